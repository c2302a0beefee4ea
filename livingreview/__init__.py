"""livingreview: the data, checks, figures and exports behind the living review
*Generative AI in Clinical Practice*. Chapters and the explorer stay thin and call this package."""

from .data.paths import studies_path
from .data.studies import TABLE1_COLUMNS, TEXT_COLUMNS, load_studies
from .data.validation import DataFileError, InvalidStudiesError, Problem
from .data.vocabulary import LIST_COLUMNS, load_vocabulary

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
