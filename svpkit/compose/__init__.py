"""Layer 6, composition: selection and a target as one scikit-learn estimator."""

from .select_then_fit import SelectThenFit, smallest_fraction_within

__all__ = ["SelectThenFit", "smallest_fraction_within"]
