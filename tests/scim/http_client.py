"""scim2-client's synchronous client over httpx, for the judges that talk to the live server.

scim2-client ships its network engine for `httpx2` (an extra this environment does not have);
this is that engine, line for line, on `httpx`, which is installed: real HTTP requests to the
live server, responses parsed and checked by scim2-client as usual."""

from typing import Any

import httpx
from scim2_client.client import BaseSyncSCIMClient
from scim2_client.errors import RequestNetworkException


class HttpxSCIMClient(BaseSyncSCIMClient):
    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base_url = self.client.base_url
        if not base_url.is_absolute_url:
            return False
        try:
            url = self.client.build_request("GET", endpoint).url
        except httpx.InvalidURL:
            return False
        return (
            url.host == base_url.host
            and url.port == base_url.port
            and (url.raw_path.startswith(base_url.raw_path))
        )

    def _parse_json(self, response) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            network = RequestNetworkException()
            network.add_note(str(exc))
            raise network from exc
