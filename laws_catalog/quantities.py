"""Glossary of the quantities laws speak about: one name, one unit, one definition.

Papers reuse the letters N, D, C and B for different things (total vs non-embedding
parameters, tokens vs characters, batch in sequences vs tokens). Every law input and output
is declared with a name from this glossary so the definition travels with the number.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["GLOSSARY", "STEP_CONVENTION", "Quantity", "quantity"]


STEP_CONVENTION = (
    "lr_per_step[s] is the learning rate of optimizer update s (s = 0, 1, ...); the loss at "
    "step s is the loss after that update, so it sees the LRs of updates 0..s"
)
"""How loss-curve laws index steps (quoted in the ``training_step`` entry)."""


class Quantity(BaseModel):
    """One named quantity with its unit and the convention that defines it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    symbol: str
    unit: str
    definition: str


_ENTRIES = (
    Quantity(
        name="n_params_total",
        symbol="N",
        unit="parameters",
        definition="All trainable parameters, embeddings and output head included "
        "(Hoffmann et al. 2022 convention).",
    ),
    Quantity(
        name="n_params_non_embedding",
        symbol="N",
        unit="parameters",
        definition="Parameters excluding token/position embeddings and the output head "
        "(Kaplan et al. 2020 convention, about 12*n_layer*d_model^2).",
    ),
    Quantity(
        name="model_flops_per_token",
        symbol="M",
        unit="FLOPs/token",
        definition="Non-embedding training FLOPs per token including attention, "
        "M = 72*n_layer*d_model^2 + 12*n_layer*d_model*l_seq (DeepSeek LLM 2024); C = M*D.",
    ),
    Quantity(
        name="n_tokens",
        symbol="D",
        unit="tokens",
        definition="Training tokens processed (all epochs counted).",
    ),
    Quantity(
        name="tokens_per_param",
        symbol="D/N",
        unit="tokens/parameter",
        definition="Training tokens divided by the law's parameter count.",
    ),
    Quantity(
        name="flops",
        symbol="C",
        unit="FLOPs",
        definition="Training compute. Unless a law states otherwise C = 6*N*D with the law's N "
        "(forward 2ND + backward 4ND, attention and embedding terms dropped).",
    ),
    Quantity(
        name="flops_pf_days",
        symbol="C",
        unit="PF-days",
        definition="Training compute in petaflop/s-days; 1 PF-day = 8.64e19 FLOPs.",
    ),
    Quantity(
        name="loss_nats_per_token",
        symbol="L",
        unit="nats/token",
        definition="Held-out cross-entropy in nats per token; the evaluation set and tokenizer "
        "are the law's own and are stated on each law, so values of different laws are not "
        "comparable.",
    ),
    Quantity(
        name="downstream_error",
        symbol="Err",
        unit="fraction (0-1)",
        definition="Average top-1 error over a benchmark suite named by the law.",
    ),
    Quantity(
        name="n_unique_tokens",
        symbol="U",
        unit="tokens",
        definition=(
            "Unique tokens available for training, each counted once (the size of the "
            "deduplicated corpus); training on D > U tokens repeats data for D/U epochs."
        ),
    ),
    Quantity(
        name="epochs",
        symbol="D/U",
        unit="passes",
        definition=(
            "Training tokens divided by unique tokens; repetitions R_D = epochs - 1 "
            "(Muennighoff et al. 2023)."
        ),
    ),
    Quantity(
        name="mixture_proportion",
        symbol="r",
        unit="fraction (0-1)",
        definition=(
            "Share of the training tokens drawn from one data domain; the shares of all "
            "domains of a mixture sum to 1."
        ),
    ),
    Quantity(
        name="n_cpt_tokens",
        symbol="D",
        unit="tokens",
        definition=(
            "Tokens of continual pre-training on a general/domain mixture, counted after "
            "the base model's own pre-training (Que et al. 2024)."
        ),
    ),
    Quantity(
        name="peak_learning_rate",
        symbol="eta",
        unit="1 (optimizer step size)",
        definition=(
            "Peak learning rate of the schedule a law assumes, reached after warm-up; "
            "standard parameterisation with AdamW unless the law states otherwise (its "
            "schedule travels with every answer)."
        ),
    ),
    Quantity(
        name="batch_size_tokens",
        symbol="B",
        unit="tokens/step",
        definition="Global batch per optimizer step in tokens (sequences x context length).",
    ),
    Quantity(
        name="critical_batch_size_tokens",
        symbol="B_crit",
        unit="tokens/step",
        definition=(
            "Batch at which doubling the batch stops halving the steps: training at "
            "B_crit costs 2x the minimum steps and 2x the minimum tokens to reach a loss "
            "(McCandlish et al. 2018; Kaplan et al. 2020, section 5.1)."
        ),
    ),
    Quantity(
        name="context_length",
        symbol="l_seq",
        unit="tokens/sequence",
        definition="Training sequence length; converts a batch in tokens to sequences.",
    ),
    Quantity(
        name="parallel_streams",
        symbol="P",
        unit="streams",
        definition=(
            "Number of parallel forward streams sharing one set of weights (ParScale, "
            "Chen et al. 2025); 1 is an ordinary model."
        ),
    ),
    Quantity(
        name="kv_cache_bytes_per_token",
        symbol="kv",
        unit="bytes/token",
        definition=(
            "Key and value cache of one token in one stream: 2 * n_layer * n_kv_heads * "
            "d_head * bytes per KV element."
        ),
    ),
    Quantity(
        name="decode_latency_per_token",
        symbol="t_dec",
        unit="seconds/token",
        definition=(
            "Wall time of one decode step (one new token for every sequence of the batch)"
            " of the roofline cost model: max(compute, memory traffic) plus modelled "
            "communication."
        ),
    ),
    Quantity(
        name="time_to_first_token",
        symbol="TTFT",
        unit="seconds",
        definition=(
            "Wall time of the prefill of the prompt (its last position yields the first "
            "output token); queueing and network time excluded."
        ),
    ),
    Quantity(
        name="serving_memory_bytes",
        symbol="M",
        unit="bytes",
        definition=(
            "Accelerator memory of one model replica: weights + KV cache + modelled "
            "activations, summed over its devices."
        ),
    ),
    Quantity(
        name="decode_throughput",
        symbol="R",
        unit="tokens/second",
        definition=(
            "Generated tokens per second of one model replica in steady decode: batch / "
            "decode step time."
        ),
    ),
    Quantity(
        name="inference_tokens",
        symbol="D_inf",
        unit="tokens",
        definition=(
            "Tokens processed at inference over a model's lifetime (prompt + generated, "
            "all requests)."
        ),
    ),
    Quantity(
        name="lifetime_flops",
        symbol="C_life",
        unit="FLOPs",
        definition=(
            "Training plus inference compute over a model's lifetime: 6*N*D_train + "
            "2*N*D_inf (Sardana et al. 2024)."
        ),
    ),
    Quantity(
        name="lifetime_cost_dollars",
        symbol="$",
        unit="US dollars",
        definition=(
            "GPU-hour cost of training plus inference, FLOPs / (peak * MFU) per phase "
            "times the price per GPU-hour (Sardana et al. 2024)."
        ),
    ),
    Quantity(
        name="datastore_tokens",
        symbol="D_store",
        unit="tokens",
        definition=(
            "Tokens in a retrieval datastore (reader tokenizer; MassiveDS counts Llama-2 "
            "tokens, before post-hoc filtering)."
        ),
    ),
    Quantity(
        name="retriever_params",
        symbol="N_ret",
        unit="parameters",
        definition="Parameters of the dense retriever that embeds the datastore.",
    ),
    Quantity(
        name="datastore_flops",
        symbol="C_store",
        unit="FLOPs",
        definition=(
            "Compute to build a flat retrieval index: 2 * N_ret * D_store (one retriever "
            "forward pass per datastore token)."
        ),
    ),
    Quantity(
        name="training_step",
        symbol="s",
        unit="optimizer steps",
        definition="Index of an optimizer update, counted from 0. " + STEP_CONVENTION + ".",
    ),
    Quantity(
        name="learning_rate",
        symbol="eta",
        unit="optimizer step size (absolute, e.g. 3e-4 for AdamW)",
        definition=(
            "Per-step learning rate. Constants fitted on one optimizer's LR scale do not "
            "transfer to another optimizer or parametrisation."
        ),
    ),
    Quantity(
        name="lr_forward_area",
        symbol="S1",
        unit="learning rate x steps",
        definition=(
            "S1(s) = sum of lr_per_step[0..s] (warmup included): the area under the LR "
            "curve up to step s (Tissue et al. 2024; Luo et al. 2025 write S1 + S_W)."
        ),
    ),
    Quantity(
        name="lr_annealing_area",
        symbol="S2",
        unit="learning rate",
        definition=(
            "Tissue et al.'s annealing area in momentum form, normalised by (1 - lambda) "
            "so that it tends to the total LR decrease: S2(s) = (1 - lambda) sum_{i<=s} "
            "m_i, m_i = lambda m_{i-1} + (eta_{i-1} - eta_i)."
        ),
    ),
    Quantity(
        name="exponent_bits",
        symbol="E",
        unit="bits",
        definition=(
            "Exponent field width of a floating-point element format (sign excluded); "
            "integer formats have E = 0."
        ),
    ),
    Quantity(
        name="mantissa_bits",
        symbol="M",
        unit="bits",
        definition=(
            "Mantissa (fraction) field width of an element format, sign excluded; a float"
            " element has P = E + M + 1 bits."
        ),
    ),
    Quantity(
        name="block_size",
        symbol="B",
        unit="elements",
        definition=(
            "Number of tensor elements that share one scale factor (32 for OCP MX "
            "formats, 16 for NVFP4; channel-wise scaling is about 9.1e3 in Sun et al. "
            "2025)."
        ),
    ),
    Quantity(
        name="training_bits",
        symbol="P",
        unit="bits",
        definition=(
            "Bit width of the quantised tensors during training, sign included, block "
            "scales not counted (P = E + M + 1 for floats, the integer width for ints)."
        ),
    ),
    Quantity(
        name="post_training_bits",
        symbol="P_post",
        unit="bits",
        definition=(
            "Bit width of the weights after post-training quantisation (element bits, "
            "block scales not counted)."
        ),
    ),
    Quantity(
        name="loss_increase_nats_per_token",
        symbol="dL",
        unit="nats/token",
        definition=(
            "Increase of held-out loss caused by low precision (in training or after "
            "post-training quantisation) relative to the same model and data in 16-bit; "
            "on the law's own evaluation set."
        ),
    ),
    Quantity(
        name="effective_params_fraction",
        symbol="N_eff/N",
        unit="fraction (0-1)",
        definition=(
            "Parameters a full-precision model would need for the same loss term, as a "
            "fraction of the parameters trained in low precision (Kumar et al. 2024)."
        ),
    ),
    Quantity(
        name="vocab_size",
        symbol="V",
        unit="tokens (vocabulary entries)",
        definition="Number of entries in the tokenizer's vocabulary.",
    ),
    Quantity(
        name="n_params_non_vocabulary",
        symbol="N_nv",
        unit="parameters",
        definition=(
            "Parameters excluding both the input embedding and the output head (Tao et "
            "al. 2024): N_nv = N_total - 2 V d for untied embeddings, N_total - V d for "
            "tied ones."
        ),
    ),
    Quantity(
        name="n_params_vocabulary",
        symbol="N_v",
        unit="parameters",
        definition=(
            "V d: one vocabulary matrix, counted once (Tao et al. 2024). The output head "
            "carries the FLOPs, C = 6 (N_nv + V d) D; an untied input embedding adds "
            "another V d parameters but no matrix-multiply FLOPs."
        ),
    ),
    Quantity(
        name="n_characters",
        symbol="H",
        unit="characters",
        definition=(
            "Training text measured in characters, independent of the tokenizer; tokens D"
            " = H f(V) with f the tokens-per-character of a vocabulary of size V."
        ),
    ),
    Quantity(
        name="d_model",
        symbol="d",
        unit="dimensions",
        definition="Model width: the residual-stream and embedding dimension.",
    ),
)

GLOSSARY: dict[str, Quantity] = {q.name: q for q in _ENTRIES}


def quantity(name: str) -> Quantity:
    """Look a quantity up by name; ``KeyError`` names the known ones."""
    try:
        return GLOSSARY[name]
    except KeyError:
        raise KeyError(f"unknown quantity {name!r}; glossary has {sorted(GLOSSARY)}") from None
