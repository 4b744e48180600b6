"""Users page (admins): who may sign in and as what; add users, change roles, disable and enable accounts."""

import pandas as pd
import streamlit as st

from sandbox.access import ROLES
from sandbox.ui.common import current_user, shown_errors, workspace
from sandbox.users import SEATS, add_user, disable_user, enable_user, list_users, set_role

st.title("Users")
ws, me = workspace(), current_user()
with shown_errors():
    records = list_users(ws, me)
if flash := st.session_state.pop("users-flash", None):
    st.success(flash)
st.dataframe(pd.DataFrame([r.model_dump(exclude={"has_password"}) for r in records]), hide_index=True)

with st.form("add-user", clear_on_submit=True):
    st.subheader("Add a user")
    cols = st.columns(3)
    name = cols[0].text_input("Name")
    role = cols[1].selectbox("Role", ROLES)
    seat = cols[2].selectbox("Council seat", [None, *SEATS], format_func=lambda s: s or "-")
    cols = st.columns(3)
    manager = cols[0].selectbox("Manager", [None, *(r.name for r in records)], format_func=lambda s: s or "-")
    email = cols[1].text_input("Single sign-on e-mail (optional)")
    password = cols[2].text_input("Initial password", type="password")
    if st.form_submit_button("Add user"):
        with shown_errors():
            add_user(ws, me, name, role, seat=seat, password=password or None, manager=manager, email=email or None)
        st.session_state["users-flash"] = f"added {name}"
        st.rerun()

with st.form("change-user"):
    st.subheader("Change a user")
    cols = st.columns(4)
    who = cols[0].selectbox("User", [r.name for r in records])
    action = cols[1].radio("Action", ["disable", "enable", "change role"])
    new_role = cols[2].selectbox("New role", ROLES)
    new_seat = cols[3].selectbox("New seat", [None, *SEATS], format_func=lambda s: s or "-")
    if st.form_submit_button("Apply") and who:
        with shown_errors():
            if action == "disable":
                disable_user(ws, me, who)
            elif action == "enable":
                enable_user(ws, me, who)
            else:
                set_role(ws, me, who, new_role, new_seat)
        st.session_state["users-flash"] = f"{who}: {action} done (effective on their next request)"
        st.rerun()
