"""Wire models of the Events API (``events-openapi.json``): subscriptions and polling."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Jti = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class SubscriptionData(BaseModel):
    """``OBEventSubscription1.Data``."""

    model_config = ConfigDict(populate_by_name=True)

    callback_url: str | None = Field(None, alias="CallbackUrl", max_length=2000)
    version: str = Field(alias="Version", min_length=1, max_length=10)
    event_types: list[str] | None = Field(None, alias="EventTypes", max_length=50)


class SubscriptionRequest(BaseModel):
    """``OBEventSubscription1``: the body of a create request."""

    model_config = ConfigDict(extra="forbid")

    data: SubscriptionData = Field(alias="Data")


class SubscriptionChangeData(SubscriptionData):
    """``OBEventSubscriptionResponse1.Data`` as sent in a PUT."""

    event_subscription_id: str = Field(alias="EventSubscriptionId", min_length=1, max_length=40)


class SubscriptionChangeRequest(BaseModel):
    """The body of a change request (the spec reuses the response shape)."""

    model_config = ConfigDict(extra="forbid")

    data: SubscriptionChangeData = Field(alias="Data")
    links: dict[str, str] | None = Field(None, alias="Links")
    meta: dict[str, object] | None = Field(None, alias="Meta")


class SetError(BaseModel):
    """One negative acknowledgement in ``setErrs``."""

    err: str = Field(min_length=1, max_length=40)
    description: str = Field(min_length=1, max_length=256)


class PollingRequest(BaseModel):
    """``OBEventPolling1``."""

    model_config = ConfigDict(extra="forbid")

    max_events: int | None = Field(None, alias="maxEvents", ge=0)
    return_immediately: bool | None = Field(None, alias="returnImmediately")
    ack: list[Jti] = Field(default_factory=list, max_length=1000)
    set_errs: dict[Jti, SetError] = Field(default_factory=dict, alias="setErrs")
