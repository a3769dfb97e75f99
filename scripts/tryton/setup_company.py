"""Give a freshly activated Tryton database a company (with its currency) and make it the admin's company.

Run by init.sh against a running trytond, over JSON-RPC only (standard library, no trytond import):
    python3 setup_company.py http://127.0.0.1:PORT/DB/ admin PASSWORD
"""

from __future__ import annotations

import base64
import json
import sys
import urllib.request
from typing import Any


class Rpc:
    def __init__(self, url: str, login: str, password: str) -> None:
        self.url, self.auth, self.next_id = url, "", 0
        user_id, session = self.call("common.db.login", login, {"password": password}, "en")
        token = base64.b64encode(f"{login}:{user_id}:{session}".encode()).decode()
        self.auth = f"Session {token}"
        self.context = self.call("model.res.user.get_preferences", True, {})

    def call(self, method: str, *params: Any) -> Any:
        self.next_id += 1
        body = json.dumps({"id": self.next_id, "method": method, "params": list(params)}).encode()
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.loads(response.read())
        if "error" in reply:
            raise SystemExit(f"{method} failed: {reply['error']}")
        return reply["result"]


def main(url: str, login: str, password: str) -> None:
    rpc = Rpc(url, login, password)
    ctx = rpc.context
    rounding = {"__class__": "Decimal", "decimal": "0.01"}
    [usd] = rpc.call("model.currency.currency.create",
                     [{"name": "US Dollar", "code": "USD", "symbol": "$", "rounding": rounding, "digits": 2}], ctx)
    [party] = rpc.call("model.party.party.create", [{"name": "Suture Test Hospital"}], ctx)
    [company] = rpc.call("model.company.company.create",
                         [{"party": party, "currency": usd, "timezone": "UTC"}], ctx)
    [user] = rpc.call("model.res.user.search", [("login", "=", login)], 0, 1, None, ctx)
    rpc.call("model.res.user.write", [user], {"companies": [["add", [company]]], "company": company}, ctx)
    print(f"tryton: company {company} (currency USD) set up for user {login}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
