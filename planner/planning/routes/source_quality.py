"""A data source described by its own loss law instead of a quality weight.

The multi-source model weighs each source by a quality ``q``: fresh tokens of the plan's loss
law's data that one token of the source is worth. A source that comes with its own fitted law
``E_s + A_s/N^a_s + B_s/D^b_s`` (e.g. Gadre et al.'s RefinedWeb constants beside a C4 plan)
sets ``q`` by its data term: ``D`` tokens of the source reduce loss as much as ``q D`` tokens
of the plan's data when

    B (q D)^-b = B_s D^-b_s   =>   q = (B / B_s)^(1/b) D^(b_s/b - 1),

which depends on ``D`` unless the exponents agree, so ``q`` is evaluated at the tokens the
plan gives the source and the plan re-solved until both agree (a few rounds). The two laws
were fitted on different evaluation data; only their data terms are compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from laws_catalog import ResolvedLaw
from laws_catalog.data import RepetitionConstants
from laws_catalog.loss import LossLaw, posynomial

from ...errors import InvalidRequest
from ...schemas.requests import DataSpec
from ...schemas.responses import AnswerWarning
from ..laws.selection import resolve

__all__ = ["SourceLaw", "source_laws"]

CAVEAT = (
    "a source's quality was set by its own loss law's data term, compared with the plan's "
    "loss law at the source's planned tokens; the laws were fitted on different evaluation "
    "data, so only how fast each source's data lowers loss is compared"
)


@dataclass(frozen=True, slots=True)
class SourceLaw:
    name: str
    law: ResolvedLaw[LossLaw]
    b: float
    beta: float

    def quality(self, plan: RepetitionConstants, tokens: float) -> float:
        """``q`` at ``tokens`` of this source (see the module docstring)."""
        return float(
            (plan.b / self.b) ** (1.0 / plan.beta) * tokens ** (self.beta / plan.beta - 1.0)
        )


def source_laws(spec: DataSpec) -> list[SourceLaw]:
    out = []
    for i, source in enumerate(spec.sources or []):
        if source.loss_law is None:
            continue
        field = f"data.sources[{i}].loss_law"
        resolved = resolve("loss", source.loss_law, LossLaw, field)
        posy = posynomial(resolved.law, resolved.constants.name)
        if not (posy.is_separable_pair() and posy.power == 1.0):
            raise InvalidRequest(
                f"{field}: {resolved.ref} is not of the form E + A/N^alpha + B/D^beta",
                field=field,
            )
        data_term = posy.terms[1]
        out.append(SourceLaw(source.name, resolved, data_term.coefficient, -data_term.d_exponent))
    return out


def caveats(laws: list[SourceLaw]) -> list[AnswerWarning]:
    return [AnswerWarning(code="law_caveat", message=CAVEAT)] if laws else []
