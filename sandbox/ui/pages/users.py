"""Users page (admins): who may sign in and as what; add users, change roles, disable and enable accounts."""

import pandas as pd
import streamlit as st

from sandbox.governance.access import ROLES
from sandbox.governance.users import SEATS, add_user, disable_user, enable_user, list_users, set_role
from sandbox.ui.common import current_user, shown_errors
from sandbox.ui.council_widgets import table_words
from sandbox.ui.i18n import UI, lang, language_switch, or_none, t, words
from sandbox.ui.session import workspace


def seat_or_none():
    """A council seat in words, or "(none)"."""
    none, table = t("common.none"), UI[lang()]
    return lambda s: table.get(f"seat.{s}", s) if s else none


language_switch()
st.title(t("users.title"))
ws, me = workspace(), current_user()
with shown_errors():
    records = list_users(ws, me)
if flash := st.session_state.pop("users-flash", None):
    st.success(flash)
st.dataframe(table_words(pd.DataFrame([r.model_dump(exclude={"has_password"}) for r in records]),
                         {"role": "role.", "seat": "seat."}), hide_index=True)

with st.form("add-user", clear_on_submit=True):
    st.subheader(t("users.add"))
    cols = st.columns(3)
    name = cols[0].text_input(t("users.name"), key="users-name")
    role = cols[1].selectbox(t("users.role"), ROLES, format_func=words("role."), key="users-role")
    seat = cols[2].selectbox(t("users.seat"), [None, *SEATS], format_func=seat_or_none(), key="users-seat")
    cols = st.columns(3)
    manager = cols[0].selectbox(t("users.manager"), [None, *(r.name for r in records)], format_func=or_none(),
                           key="users-manager")
    email = cols[1].text_input(t("users.email"), key="users-email")
    password = cols[2].text_input(t("users.password"), type="password", key="users-password")
    if st.form_submit_button(t("users.add_button")):
        with shown_errors():
            add_user(ws, me, name, role, seat=seat, password=password or None, manager=manager, email=email or None)
        st.session_state["users-flash"] = t("users.added", name=name)
        st.rerun()

with st.form("change-user"):
    st.subheader(t("users.change"))
    change_cols = st.columns(4)
    who = change_cols[0].selectbox(t("users.user"), [r.name for r in records], key="users-who")
    action = change_cols[1].radio(t("users.action"), ["disable", "enable", "role"], format_func=words("users.action."),
                          key="users-action")
    new_role = change_cols[2].selectbox(t("users.new_role"), ROLES, format_func=words("role."), key="users-new-role")
    new_seat = change_cols[3].selectbox(t("users.new_seat"), [None, *SEATS], format_func=seat_or_none(),
                                        key="users-new-seat")
    if st.form_submit_button(t("users.apply")) and who:
        with shown_errors():
            if action == "disable":
                disable_user(ws, me, who)
            elif action == "enable":
                enable_user(ws, me, who)
            else:
                set_role(ws, me, who, new_role, new_seat)
        st.session_state["users-flash"] = t("users.done", name=who, action=t(f"users.action.{action}"))
        st.rerun()
