"""The five kinds of subject, one aggregate each (DOMAIN.md §3)."""

from governance.aggregates.board_case import BoardCase
from governance.aggregates.contract import Contract
from governance.aggregates.milestone import Milestone
from governance.aggregates.project import Project
from governance.aggregates.risk import Risk

__all__ = ["BoardCase", "Contract", "Milestone", "Project", "Risk"]
