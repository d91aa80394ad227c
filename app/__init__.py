"""Back & Hip Diary: a symptom diary for back and hip pain in late pregnancy and lactation."""

__version__ = "0.1.0"
