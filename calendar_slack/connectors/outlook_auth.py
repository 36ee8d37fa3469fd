"""Signing in to Microsoft Graph with msal, and keeping the token cache encrypted.

Why: a person signs in once with the device-code flow (`login_outlook`; a code typed into a
browser on any device, so it works over SSH too); services use the client-credentials flow
(an app registration's secret, `https://graph.microsoft.com/.default`). Scopes are
least-privilege: `Calendars.Read`, plus `Calendars.ReadWrite` only when booking is enabled.
The MSAL token cache (refresh tokens!) is kept only encrypted (calendar_slack/secrets.py), in a
BlobStore: a file in the user data folder by default, the store's database later.

Settings, each from `[outlook]` in the config or the environment (environment wins):
  client_id  / CALENDAR_SLACK_OUTLOOK_CLIENT_ID      the app registration (public client)
  authority  / CALENDAR_SLACK_OUTLOOK_AUTHORITY      default https://login.microsoftonline.com/<tenant>
  tenant                                             default "common"
               CALENDAR_SLACK_OUTLOOK_CLIENT_SECRET  selects client credentials (services)
               CALENDAR_SLACK_OUTLOOK_TOKEN          a static access token: no msal at all
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
import requests.adapters

from calendar_slack.connectors.outlook_graph import TokenSource
from calendar_slack.errors import AuthError, BadInputError, ServiceError
from calendar_slack.prefs import OutlookSettings
from calendar_slack.secrets import BlobStore, EncryptedBlob, FileBlobStore, default_token_path

READ_SCOPES = ("Calendars.Read",)
WRITE_SCOPES = ("Calendars.Read", "Calendars.ReadWrite")
APP_SCOPES = ("https://graph.microsoft.com/.default",)
MICROSOFT_LOGIN = "https://login.microsoftonline.com"

CLIENT_ID_ENV = "CALENDAR_SLACK_OUTLOOK_CLIENT_ID"
CLIENT_SECRET_ENV = "CALENDAR_SLACK_OUTLOOK_CLIENT_SECRET"
AUTHORITY_ENV = "CALENDAR_SLACK_OUTLOOK_AUTHORITY"
TOKEN_ENV = "CALENDAR_SLACK_OUTLOOK_TOKEN"
CACHE_NAME = "outlook"

Prompt = Callable[[str], None]


def scopes_for(booking: bool) -> list[str]:
    """Least privilege: read calendars; read-write only when booking is enabled."""
    return list(WRITE_SCOPES if booking else READ_SCOPES)


@dataclass(frozen=True)
class AuthSettings:
    """How to get a Graph token: `[outlook]` settings with the environment applied."""

    client_id: str | None
    authority: str
    booking: bool = False
    client_secret: str | None = None
    static_token: str | None = None
    verify: bool | str = True

    @staticmethod
    def resolve(
        settings: OutlookSettings,
        environ: Mapping[str, str] | None = None,
        *,
        verify: bool | str = True,
    ) -> AuthSettings:
        env = os.environ if environ is None else environ
        authority = (
            env.get(AUTHORITY_ENV) or settings.authority or f"{MICROSOFT_LOGIN}/{settings.tenant}"
        )
        return AuthSettings(
            client_id=env.get(CLIENT_ID_ENV) or settings.client_id,
            authority=authority.rstrip("/"),
            booking=settings.booking,
            client_secret=env.get(CLIENT_SECRET_ENV) or None,
            static_token=env.get(TOKEN_ENV) or None,
            verify=verify,
        )

    @property
    def custom_authority(self) -> bool:
        """True for any authority but Microsoft's own (a proxy, a national cloud, a test)."""
        return urlsplit(self.authority).netloc.lower() != urlsplit(MICROSOFT_LOGIN).netloc

    def needs_client_id(self) -> str:
        if not self.client_id:
            raise BadInputError(
                "setting outlook.client_id",
                f"is not set: register an app in Entra ID and put its id in [outlook] client_id "
                f"or {CLIENT_ID_ENV}",
            )
        return self.client_id


def encrypted_cache(
    store: BlobStore | None = None,
    key: bytes | None = None,
    environ: Mapping[str, str] | None = None,
) -> EncryptedBlob:
    """The MSAL cache, encrypted, in `store` (default: a file in the user data folder).

    The key is `key`, else CALENDAR_SLACK_SECRET_KEY, else the OS keyring (secrets.py).
    """
    where = store if store is not None else FileBlobStore(default_token_path(CACHE_NAME))
    return EncryptedBlob(where, key, environ)


def login_outlook(
    settings: OutlookSettings,
    *,
    store: BlobStore | None = None,
    key: bytes | None = None,
    prompt: Prompt | None = None,
    environ: Mapping[str, str] | None = None,
    verify: bool | str = True,
) -> str:
    """Device-code sign-in; saves the encrypted token cache; returns the account's username.

    `prompt` receives Microsoft's instruction ("open https://microsoft.com/devicelogin and enter
    the code ...") - the CLI prints it; the default writes it to stderr. `store` / `key`: where
    the encrypted cache goes and its key (see `encrypted_cache`); `verify`: TLS CA bundle.
    """
    auth = AuthSettings.resolve(settings, environ, verify=verify)
    blob = encrypted_cache(store, key, environ)
    blob.key(create=True)  # no key to keep the tokens safe: say so before the person signs in
    token_cache = _load_cache(blob)
    app = _public_app(auth, token_cache)
    scopes = scopes_for(auth.booking)
    flow = _msal(lambda: app.initiate_device_flow(scopes=scopes), auth)
    if "user_code" not in flow:
        raise AuthError(f"Microsoft sign-in could not start ({_reason(flow)}).")
    (prompt or _to_stderr)(str(flow.get("message") or f"Enter the code {flow['user_code']}."))
    result = _msal(lambda: app.acquire_token_by_device_flow(flow), auth)
    if "access_token" not in result:
        raise AuthError(f"Microsoft sign-in did not complete ({_reason(result)}).")
    _save_cache(blob, token_cache)
    claims = result.get("id_token_claims") or {}
    return str(claims.get("preferred_username") or claims.get("upn") or claims.get("oid") or "")


def token_source(
    settings: OutlookSettings,
    *,
    store: BlobStore | None = None,
    key: bytes | None = None,
    environ: Mapping[str, str] | None = None,
    verify: bool | str = True,
) -> TokenSource:
    """Where Graph tokens come from, first that applies:

    1. CALENDAR_SLACK_OUTLOOK_TOKEN: that static token;
    2. CALENDAR_SLACK_OUTLOOK_CLIENT_SECRET: client credentials (app-only; name the people);
    3. the encrypted cache of `login_outlook` (refreshed silently by msal).
    """
    auth = AuthSettings.resolve(settings, environ, verify=verify)
    if auth.static_token:
        token = auth.static_token
        return TokenSource(lambda: token)
    if auth.client_secret:
        app = _confidential_app(auth)
        return TokenSource(lambda: client_credentials_token(app, auth), app_only=True)
    blob = encrypted_cache(store, key, environ)
    token_cache = _load_cache(blob)
    if not any(token_cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)) and not any(
        token_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)
    ):
        raise AuthError(_NOT_SIGNED_IN)
    public = _public_app(auth, token_cache)
    scopes = scopes_for(auth.booking)

    def silent() -> str:
        accounts = public.get_accounts()
        if not accounts:
            raise AuthError(_NOT_SIGNED_IN)
        result = _msal(lambda: public.acquire_token_silent(scopes, account=accounts[0]), auth)
        if not result or "access_token" not in result:
            why = _reason(result) if result else "no usable token for these scopes"
            raise AuthError(f"{_NOT_SIGNED_IN[:-1]} ({why}).")
        _save_cache(blob, token_cache)
        return str(result["access_token"])

    return TokenSource(silent)


def client_credentials_token(app: msal.ConfidentialClientApplication, auth: AuthSettings) -> str:
    """An app-only Graph token (msal keeps it in memory until it is about to expire)."""
    result = _msal(lambda: app.acquire_token_for_client(scopes=list(APP_SCOPES)), auth)
    if "access_token" not in result:
        raise AuthError(f"Microsoft sign-in refused the client credentials ({_reason(result)}).")
    return str(result["access_token"])


_NOT_SIGNED_IN = (
    "Not signed in to Outlook: run `calendar-slack login outlook` (device code), set "
    f"{TOKEN_ENV} to an access token, or {CLIENT_SECRET_ENV} for a service."
)


def _public_app(auth: AuthSettings, cache: msal.SerializableTokenCache) -> Any:
    client_id = auth.needs_client_id()
    return _msal(
        lambda: msal.PublicClientApplication(
            client_id, token_cache=cache, **_authority_kwargs(auth)
        ),
        auth,
    )


def _confidential_app(auth: AuthSettings) -> Any:
    client_id = auth.needs_client_id()
    return _msal(
        lambda: msal.ConfidentialClientApplication(
            client_id, client_credential=auth.client_secret, **_authority_kwargs(auth)
        ),
        auth,
    )


class _Session(requests.Session):
    """msal's HTTP client, with our CA bundle and timeout on every request.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a Session's own `verify`, so a
    bundle given to msal as `verify=` would be ignored wherever those are set; passing it per
    request keeps it. With `verify=True` the environment's bundle still applies, as usual.
    """

    def __init__(self, verify: bool | str, timeout_s: float) -> None:
        super().__init__()
        self._verify = verify
        self._timeout_s = timeout_s
        adapter = requests.adapters.HTTPAdapter(max_retries=1)  # what msal mounts by default
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if self._verify is not True:
            kwargs.setdefault("verify", self._verify)
        kwargs.setdefault("timeout", self._timeout_s)
        return super().request(method, url, *args, **kwargs)


def _authority_kwargs(auth: AuthSettings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "authority": auth.authority,
        "http_client": _Session(auth.verify, 30.0),
    }
    if auth.custom_authority:
        # Not Microsoft's host: there is no instance-discovery service to ask about it.
        kwargs.update(validate_authority=False, instance_discovery=False)
    return kwargs


def _msal(fn: Callable[[], Any], auth: AuthSettings) -> Any:
    """Run an msal call; its requests / configuration errors become our errors."""
    try:
        return fn()
    except requests.RequestException as exc:
        raise ServiceError(
            f"Cannot reach the Microsoft sign-in service at {auth.authority} ({exc})."
        ) from None
    except ValueError as exc:
        raise AuthError(f"Microsoft sign-in is misconfigured for {auth.authority}: {exc}") from None


def _load_cache(blob: EncryptedBlob) -> msal.SerializableTokenCache:
    cache = msal.SerializableTokenCache()
    data = blob.load()
    if data:
        try:
            cache.deserialize(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise AuthError(
                "The saved Outlook sign-in is damaged: run `calendar-slack login outlook` again."
            ) from None
    return cache


def _save_cache(blob: EncryptedBlob, cache: msal.SerializableTokenCache) -> None:
    if cache.has_state_changed:
        blob.save(cache.serialize().encode("utf-8"))
        cache.has_state_changed = False


def _reason(result: Mapping[str, Any]) -> str:
    error = str(result.get("error") or "unknown error")
    detail = str(result.get("error_description") or "").splitlines()
    return f"{error}: {detail[0]}" if detail else error


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
