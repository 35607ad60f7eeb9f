"""Pure scoring: ICP fit, engagement, disqualifiers, the conversion model (issue 3)."""
