"""SCIM at scale: provisioning 1,000 users into 50 groups, and a userName lookup that costs
the same in an organization of 10,000 members as in one of 10.

Targets (the issue): provisioning completes (every user a member, every group a managed team
with its members); the p50 of `GET /scim/v2/{org}/Users?filter=userName eq "..."` in an org of
10,000 members divided by the same in an org of 10 is at most 1.3.

Method, all in one run:
1. A fresh data dir and database (a new SQLite file, or with --database-url a new PostgreSQL
   database `bench_scim` beside the one named, dropped at the end), migrated.
2. Three organizations, each with an Admin and a SCIM token: "prov" (empty), "small" (10
   members) and "big" (10,000 members), the last two built with bulk_create as SCIM would have
   stored them (a ScimUser row per member, but one in ten added by hand, without one, so the
   lookup's two branches are both measured). PostgreSQL then gets an ANALYZE.
3. The real server (`callstudio serve`) on a free port; one keep-alive httpx client over real
   HTTP. Provisioning: 1,000 `POST /Users` into "prov", then 50 groups each made the way Okta
   pushes one (`POST /Groups` empty, then one `PATCH` adding its 20 members); the wall time is
   reported and the result checked in the database.
4. Lookups: warm-up rounds, then measured rounds sending a lookup of a random member to the
   small and the big org back to back, the order flipping every round.

Usage: python bench/scim.py [--database-url URL] [--requests N] [--users N] [--no-fail]
Exits 1 when the ratio is over the target or provisioning is incomplete, unless --no-fail."""

import argparse
import random
import secrets
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Bench, context, log, pct  # noqa: E402

TARGET = 1.3
GROUPS = 50
ORGS = {"small": 10, "big": 10_000}
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


def build() -> dict:
    from django.db import connection, connections, transaction

    from callstudio.accounts.models import Account
    from callstudio.orgs.models import Organization, OrgMembership
    from callstudio.scim.models import ScimToken, ScimUser
    from callstudio.scim.tokens import TOKEN_PREFIX, token_digest

    out = {}
    for label, size in {"prov": 1, **ORGS}.items():
        start = time.perf_counter()
        with transaction.atomic():
            org = Organization.objects.create(name=f"Bench {label}")
            accounts = Account.objects.bulk_create(
                Account(email=f"u{i}@{label}.bench.test", name=f"User {i}", password="!")
                for i in range(size)
            )
            memberships = OrgMembership.objects.bulk_create(
                OrgMembership(organization=org, account=a, role="admin" if i == 0 else "member")
                for i, a in enumerate(accounts)
            )
            ScimUser.objects.bulk_create(
                ScimUser(
                    membership=m,
                    organization=org,
                    user_name=a.email,
                    user_name_key=a.email,
                    display_name=a.name,
                    emails=[{"value": a.email, "primary": True}],
                    email_values=f"\n{a.email}\n",
                )
                for i, (m, a) in enumerate(zip(memberships, accounts, strict=True))
                if i % 10 != 1  # one in ten added by hand: no ScimUser row
            )
            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            ScimToken.objects.create(
                organization=org, name="Okta", hint=raw[:12], digest=token_digest(raw)
            )
        log(f"{label}: {size} members built in {time.perf_counter() - start:.1f} s")
        out[label] = {"org": org.id, "token": raw, "emails": [a.email for a in accounts]}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connections.close_all()
    return out


def _send(client, method, url, token, body=None, expect=200):
    response = client.request(
        method,
        url,
        content=None if body is None else httpx.Request("POST", "/", json=body).content,
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCIM_JSON},
    )
    if response.status_code != expect:
        raise RuntimeError(f"{method} {url}: HTTP {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def provision(client, prov: dict, n_users: int) -> dict:
    base, token = f"/scim/v2/{prov['org']}/", prov["token"]
    start = time.perf_counter()
    ids = []
    for i in range(n_users):
        email = f"person{i}@okta.bench.test"
        body = {
            "schemas": [USER],
            "userName": email,
            "name": {"givenName": "Person", "familyName": str(i)},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": f"Person {i}",
            "externalId": f"00u{i}",
            "active": True,
        }
        ids.append(_send(client, "POST", base + "Users", token, body, expect=201)["id"])
        if (i + 1) % 250 == 0:
            log(f"  {i + 1}/{n_users} users")
    users_s = time.perf_counter() - start
    per_group = max(1, n_users // GROUPS)
    groups = []
    for g in range(GROUPS):
        group = _send(
            client,
            "POST",
            base + "Groups",
            token,
            {"schemas": [GROUP], "displayName": f"Group {g:02d}", "members": []},
            expect=201,
        )
        members = [{"value": i} for i in ids[g * per_group : (g + 1) * per_group]]
        patch = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "add", "path": "members", "value": members}],
        }
        _send(client, "PATCH", base + f"Groups/{group['id']}", token, patch)
        groups.append(group["id"])
    total_s = time.perf_counter() - start
    return {
        "users_s": users_s,
        "total_s": total_s,
        "ids": ids,
        "groups": groups,
        "per_group": per_group,
    }


def provisioned_ok(prov: dict, result: dict, n_users: int) -> bool:
    from callstudio.orgs.models import OrgMembership, Team, TeamMembership

    members = OrgMembership.objects.filter(organization_id=prov["org"], status="active").count()
    teams = Team.objects.filter(organization_id=prov["org"], managed_by="Okta").count()
    live = TeamMembership.objects.filter(
        organization_id=prov["org"], revoked_at__isnull=True
    ).count()
    expected_live = GROUPS * result["per_group"]
    log(f"stored: {members} active members, {teams} managed teams, {live} team memberships")
    return members == n_users + 1 and teams == GROUPS and live == expected_live


def lookups(client, data: dict, args) -> dict:
    rng = random.Random(7)
    times = {label: [] for label in ORGS}

    def get(label):
        d = data[label]
        email = rng.choice(d["emails"])
        t0 = time.perf_counter()
        r = client.get(
            f"/scim/v2/{d['org']}/Users",
            params={"filter": f'userName eq "{email}"'},
            headers={"Authorization": f"Bearer {d['token']}"},
        )
        times[label].append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200 or r.json()["totalResults"] != 1:
            raise RuntimeError(f"lookup in {label}: HTTP {r.status_code} {r.text[:300]}")

    log(f"lookups: {args.warmup} warm-up rounds, then {args.requests} measured rounds")
    for i in range(args.warmup + args.requests):
        if i == args.warmup:
            times = {label: [] for label in ORGS}
        for label in ("small", "big") if i % 2 == 0 else ("big", "small"):
            get(label)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--requests", type=int, default=1000, help="measured lookups per org")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--users", type=int, default=1000, help="users to provision")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even over the target")
    args = parser.parse_args()
    with Bench(args.database_url, "bench_scim") as bench:
        log("migrated; building the organizations")
        data = build()
        base = bench.serve()
        with httpx.Client(base_url=base, timeout=60) as client:
            log(f"provisioning {args.users} users into {GROUPS} groups over HTTP")
            result = provision(client, data["prov"], args.users)
            complete = provisioned_ok(data["prov"], result, args.users)
            times = lookups(client, data, args)
        print(f"\n== scim: {bench.vendor}, {context()} ==")
        print(
            f"provisioning over real HTTP (one client, keep-alive): {args.users} users "
            f"in {result['users_s']:.1f} s ({args.users / result['users_s']:.0f} users/s), "
            f"then {GROUPS} groups of {result['per_group']}: {result['total_s']:.1f} s in all "
            f"-> {'COMPLETE' if complete else 'INCOMPLETE'}"
        )
        print(f"{'GET /Users?filter=userName eq':<32}{'org':<7}{'p50 ms':>8}{'p90 ms':>8}")
        for label, values in times.items():
            print(f"{'':<32}{label:<7}{pct(values, 50):>8.2f}{pct(values, 90):>8.2f}")
        ratio = pct(times["big"], 50) / pct(times["small"], 50)
        ok = ratio <= TARGET and complete
        print(
            f"p50 big/small {ratio:5.2f}   target <= {TARGET}   "
            f"{'PASS' if ratio <= TARGET else 'FAIL'}"
        )
        print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
