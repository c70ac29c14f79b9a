"""Signing in as an analyst on the pages (web/analyst.py): the token kept in a cookie only this site
gets, for eight hours; a wrong token refused with the form again; never a redirect off the site."""

from __future__ import annotations

from test_web import text_of
from test_web_records import KENT, audit, served  # noqa: F401 (fixtures)


def test_sign_in_keeps_the_token_in_a_strict_cookie(served, audit):
    client, token, _ids, _home = served
    wrong = client.post("/records/sign-in", data={"token": "jg_wrong", "next": KENT}, follow_redirects=False)
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers and "not a valid analyst token" in wrong.text
    ok = client.post("/records/sign-in", data={"token": token, "next": KENT + "?period=2017/18"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == KENT + "?period=2017/18"
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith(f"justicegap_analyst={token};")
    assert all(x in cookie.lower() for x in ("httponly", "secure", "samesite=strict", "path=/", "max-age=28800"))
    page = client.get(KENT, headers={"Cookie": f"justicegap_analyst={token}"})
    assert "data-cohort-rate" in page.text and "Signed in as Ana Lyst" in text_of(page.text)
    assert len(audit()) == 1
    # a sign-in never sends the browser anywhere but a case-records page of this site
    away = client.post("/records/sign-in", data={"token": token, "next": "https://example.org/"}, follow_redirects=False)
    assert away.headers["location"] == "/"
    out = client.post("/records/sign-out", data={"next": KENT}, follow_redirects=False)
    assert out.status_code == 303 and 'justicegap_analyst=""' in out.headers["set-cookie"] and "max-age=0" in out.headers["set-cookie"].lower()
