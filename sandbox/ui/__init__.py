"""The Streamlit app (the Lab, the council's pages, the steward's and admin's pages): the only place that imports
streamlit. Pages live in ``pages/``; ``common`` gates them (the signed-in user, page permissions, errors as one
message), ``session`` keeps the tab's sign-in, ``i18n`` and ``texts_*`` say everything in English and Russian."""
