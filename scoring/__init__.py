"""Pure scoring: ICP fit, engagement, disqualifiers, the conversion model, reasons."""

from scoring.score import Score, score_person

__all__ = ["Score", "score_person"]
