"""Curation: the decision store, screening helpers and agreement statistics."""

from .agreement import agreement, cohen_kappa, fleiss_kappa, percent_agreement
from .store import DecisionStore

__all__ = ["DecisionStore", "agreement", "cohen_kappa", "fleiss_kappa", "percent_agreement"]
