"""The portal: web pages for county clerks and data stewards (``dangjian portal``).

``accounts.py`` holds the personal accounts, the login throttle and the record of every
action; ``app.py`` the pages (FastAPI, Jinja2 templates in ``templates/``).
"""
