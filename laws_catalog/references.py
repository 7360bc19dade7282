"""Every paper the catalogue cites, defined once and shared by its laws in all families."""

from __future__ import annotations

from ._types import Reference

__all__ = [
    "BESIROGLU2024",
    "CHEN2025",
    "DEEPSEEK2024",
    "DETTMERS2023",
    "GADRE2024",
    "GOYAL2024",
    "HOFFMANN2022",
    "KAPLAN2020",
    "KIPPLY2022",
    "KUMAR2024",
    "LLM_ANALYSIS",
    "LLM_VIEWER",
    "LUO2025",
    "MINICPM2024",
    "MUENNIGHOFF2023",
    "OUYANG2024",
    "POPE2022",
    "QUE2024",
    "SARDANA2024",
    "SHAO2024",
    "STEPLAW2025",
    "SUN2025",
    "TAO2024",
    "TISSUE2024",
    "YE2024",
]

HOFFMANN2022 = Reference(
    authors="J. Hoffmann, S. Borgeaud, A. Mensch, et al.",
    title="Training Compute-Optimal Large Language Models",
    year=2022,
    arxiv="2203.15556",
    venue="NeurIPS 2022",
)

BESIROGLU2024 = Reference(
    authors="T. Besiroglu, E. Erdil, M. Barnett, J. You",
    title="Chinchilla Scaling: A replication attempt",
    year=2024,
    arxiv="2404.10102",
    url="https://github.com/epoch-research/analyzing-chinchilla",
)

KAPLAN2020 = Reference(
    authors="J. Kaplan, S. McCandlish, T. Henighan, et al.",
    title="Scaling Laws for Neural Language Models",
    year=2020,
    arxiv="2001.08361",
)

GADRE2024 = Reference(
    authors="S. Y. Gadre, G. Smyrnis, V. Shankar, et al.",
    title="Language models scale reliably with over-training and on downstream tasks",
    year=2024,
    arxiv="2403.08540",
    venue="ICLR 2025",
    url="https://github.com/mlfoundations/scaling",
)

MUENNIGHOFF2023 = Reference(
    authors="N. Muennighoff, A. M. Rush, B. Barak, et al.",
    title="Scaling Data-Constrained Language Models",
    year=2023,
    arxiv="2305.16264",
    venue="NeurIPS 2023",
    url="https://github.com/huggingface/datablations",
)

DEEPSEEK2024 = Reference(
    authors="DeepSeek-AI (X. Bi, D. Chen, G. Chen, et al.)",
    title="DeepSeek LLM: Scaling Open-Source Language Models with Longtermism",
    year=2024,
    arxiv="2401.02954",
)

GOYAL2024 = Reference(
    authors="S. Goyal, P. Maini, Z. C. Lipton, A. Raghunathan, J. Z. Kolter",
    title="Scaling Laws for Data Filtering -- Data Curation cannot be Compute Agnostic",
    year=2024,
    arxiv="2404.07177",
    venue="CVPR 2024",
    url="https://github.com/locuslab/scaling_laws_data_filtering",
)

YE2024 = Reference(
    authors="J. Ye, P. Liu, T. Sun, Y. Zhou, J. Zhan, X. Qiu",
    title="Data Mixing Laws: Optimizing Data Mixtures by Predicting Language Modeling Performance",
    year=2024,
    arxiv="2403.16952",
    venue="ICLR 2025",
    url="https://github.com/yegcjs/mixinglaws",
)

QUE2024 = Reference(
    authors="H. Que, J. Liu, G. Zhang, et al.",
    title="D-CPT Law: Domain-specific Continual Pre-Training Scaling Law for Large Language Models",
    year=2024,
    arxiv="2406.01375",
    venue="NeurIPS 2024",
)

STEPLAW2025 = Reference(
    authors="H. Li, W. Zheng, et al. (StepFun)",
    title="Predictable Scale: Part I, Step Law - Optimal Hyperparameter Scaling Law in Large "
    "Language Model Pretraining",
    year=2025,
    arxiv="2503.04715",
    url="https://github.com/step-law/steplaw",
)

MINICPM2024 = Reference(
    authors="S. Hu, Y. Tu, X. Han, et al.",
    title="MiniCPM: Unveiling the Potential of Small Language Models with Scalable Training "
    "Strategies",
    year=2024,
    arxiv="2404.06395",
    url="https://github.com/OpenBMB/MiniCPM",
)

POPE2022 = Reference(
    authors="R. Pope, S. Douglas, A. Chowdhery, et al.",
    title="Efficiently Scaling Transformer Inference",
    year=2022,
    arxiv="2211.05102",
    venue="MLSys 2023",
)

KIPPLY2022 = Reference(
    authors="C. Chen (kipply)",
    title="Transformer Inference Arithmetic",
    year=2022,
    url="https://kipp.ly/transformer-inference-arithmetic/",
)

LLM_ANALYSIS = Reference(
    authors="C. Li",
    title="llm-analysis: latency and memory analysis of transformer models for training and "
    "inference",
    year=2023,
    url="https://github.com/cli99/llm-analysis",
)

LLM_VIEWER = Reference(
    authors="Z. Yuan, Y. Shang, Y. Zhou, et al.",
    title="LLM Inference Unveiled: Survey and Roofline Model Insights",
    year=2024,
    arxiv="2402.16363",
    url="https://github.com/hahnyuan/LLM-Viewer",
)

CHEN2025 = Reference(
    authors="M. Chen, B. Hui, Z. Cui, et al.",
    title="Parallel Scaling Law for Language Models",
    year=2025,
    arxiv="2505.10475",
    url="https://github.com/QwenLM/ParScale",
)

SHAO2024 = Reference(
    authors="R. Shao, J. He, A. Asai, et al.",
    title="Scaling Retrieval-Based Language Models with a Trillion-Token Datastore",
    year=2024,
    arxiv="2407.12854",
    venue="NeurIPS 2024",
    url="https://github.com/RulinShao/retrieval-scaling",
)

SARDANA2024 = Reference(
    authors="N. Sardana, J. Portes, S. Doubov, J. Frankle",
    title="Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws",
    year=2024,
    arxiv="2401.00448",
    venue="ICML 2024",
    url="https://github.com/nikhilsardana/beyond-chinchilla",
)

TISSUE2024 = Reference(
    authors="H. Tissue, V. Wang, L. Wang",
    title="Scaling Law with Learning Rate Annealing",
    year=2024,
    arxiv="2408.11029",
    venue="NeurIPS 2025",
)

LUO2025 = Reference(
    authors="K. Luo, H. Wen, S. Hu, et al.",
    title="A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules",
    year=2025,
    arxiv="2503.12811",
    url="https://github.com/thu-yao-01-luo/MultiPowerLaw",
)

SUN2025 = Reference(
    authors="X. Sun, S. Li, R. Xie, et al.",
    title="Scaling Laws for Floating-Point Quantization Training",
    year=2025,
    arxiv="2501.02423",
    venue="ICML 2025 (PMLR 267:57544-57570); constants from v3",
)

KUMAR2024 = Reference(
    authors="T. Kumar, Z. Ankner, B. F. Spector, et al.",
    title="Scaling Laws for Precision",
    year=2024,
    arxiv="2411.04330",
    venue="ICLR 2025",
)

OUYANG2024 = Reference(
    authors="X. Ouyang, T. Ge, T. Hartvigsen, Z. Zhang, H. Mi, D. Yu",
    title="Low-Bit Quantization Favors Undertrained LLMs: Scaling Laws for Quantized LLMs "
    "with 100T Training Tokens",
    year=2024,
    arxiv="2411.17691",
    venue="ACL 2025 (long paper, 2025.acl-long.1555)",
)

DETTMERS2023 = Reference(
    authors="T. Dettmers, L. Zettlemoyer",
    title="The case for 4-bit precision: k-bit Inference Scaling Laws",
    year=2023,
    arxiv="2212.09720",
    venue="ICML 2023 (PMLR 202:7750-7774)",
)

TAO2024 = Reference(
    authors="C. Tao, Q. Liu, L. Dou, N. Muennighoff, Z. Wan, P. Luo, M. Lin, N. Wong",
    title="Scaling Laws with Vocabulary: Larger Models Deserve Larger Vocabularies",
    year=2024,
    arxiv="2407.13623",
    venue="NeurIPS 2024",
    url="https://github.com/sail-sg/scaling-with-vocab",
)
