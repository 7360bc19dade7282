"""The 48 final losses ParScale's parallel scaling law was fitted on (Chen et al. 2025).

Source: ``parametric_fit.py`` of the authors' repository (QwenLM/ParScale) at commit
cd6acb48ba6d3b1f9715785ff0d212751210177d. Rows are stream counts P = 1, 2, 4, 8;
columns the six model sizes (checkpoint names 0.7B ... 4.7B). ``NON_EMBEDDING_PARAMS`` counts
the backbone plus ParScale's prefix and aggregation parameters (Eq. 5's N); every entry is
reproduced by :func:`laws_catalog.inference.parscale2025.extra_params`. Losses are final
training losses after 42B tokens (nats/token, Qwen2.5 tokenizer).
"""

from __future__ import annotations

__all__ = ["LOSSES", "NON_EMBEDDING_PARAMS", "SIZES", "STREAMS"]

STREAMS = (1, 2, 4, 8)
SIZES = ("0.7B", "0.9B", "1.3B", "1.8B", "3B", "4.7B")

NON_EMBEDDING_PARAMS: dict[int, tuple[int, ...]] = {
    1: (535_813_376, 693_753_856, 1_088_376_320, 1_571_472_384, 2_774_773_760, 4_353_203_200),
    2: (538_195_842, 696_738_818, 1_092_762_882, 1_577_522_690, 2_784_937_986, 4_368_529_922),
    4: (540_577_412, 699_722_756, 1_097_148_164, 1_583_571_460, 2_795_100_164, 4_383_854_084),
    8: (545_340_552, 705_690_632, 1_105_918_728, 1_595_669_000, 2_815_424_520, 4_414_502_408),
}

LOSSES: dict[str, dict[int, tuple[float, ...]]] = {
    "stack_v2_python": {
        1: (1.1722, 1.1496, 1.1131, 1.0817, 1.0451, 1.0213),
        2: (1.1507, 1.1262, 1.0940, 1.0623, 1.0244, 1.0025),
        4: (1.1354, 1.1124, 1.0808, 1.0490, 1.0126, 0.9906),
        8: (1.1231, 1.0997, 1.0688, 1.0383, 1.0016, 0.9794),
    },
    "pile": {
        1: (2.1113, 2.0671, 2.0027, 1.9539, 1.8876, 1.8451),
        2: (2.0772, 2.0363, 1.9730, 1.9266, 1.8610, 1.8137),
        4: (2.0544, 2.0128, 1.9509, 1.9040, 1.8394, 1.7938),
        8: (2.0364, 1.9933, 1.9318, 1.8856, 1.8218, 1.7772),
    },
}
