"""Reports as people and programs read them: text and JSON (``report``);
CSV, JUnit and Gradescope (``export``)."""
