"""livingreview: the data, checks, figures and exports behind the living review
*Generative AI in Clinical Practice*. Chapters and the explorer stay thin and call this package."""

from .paths import studies_path
from .studies import TABLE1_COLUMNS, TEXT_COLUMNS, load_studies
from .validation import DataFileError, InvalidStudiesError, Problem
from .vocabulary import LIST_COLUMNS, load_vocabulary

__all__ = [
    "DataFileError",
    "InvalidStudiesError",
    "LIST_COLUMNS",
    "Problem",
    "TABLE1_COLUMNS",
    "TEXT_COLUMNS",
    "load_studies",
    "load_vocabulary",
    "studies_path",
]
