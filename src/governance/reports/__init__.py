"""Documents people read: the tertial report and the pages, rendered from the read side's
answers with Jinja2 templates and one mapping of Norwegian labels."""
