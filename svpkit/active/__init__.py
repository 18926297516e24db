"""Layer 6, active learning: the SVP loop (rounds, timings, atomic checkpoints, resume)."""

from .loop import PAPER_SCHEDULE, ActiveLearningLoop, warm_started

__all__ = ["ActiveLearningLoop", "PAPER_SCHEDULE", "warm_started"]
