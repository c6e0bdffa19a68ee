"""resbot: a resident-information chatbot for Japanese cities with many foreign residents."""

__version__ = "0.1.0"
