"""Ticket API: the queue, one ticket, and the actions on it. Thin: rules live in services,
scope in selectors (a ticket outside your teams is 404, not 403)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.ticket_serializers import (
    AssignInSerializer,
    ContactAttemptSerializer,
    ContactInSerializer,
    EmptySerializer,
    ReopenInSerializer,
    ResolveInSerializer,
    StatusInSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
)
from feedback_desk.api import error_body, error_response
from feedback_desk.pagination import ListPagination
from tickets import selectors
from tickets.exceptions import InvalidTransition, TicketActionError, TicketAlreadyClaimed
from tickets.filters import TicketFilter
from tickets.services import assignment, contacts, lifecycle, resolving

ERROR = error_response()
CONFLICT = error_response(
    '{"detail", "code", "errors", and "allowed": [statuses] for an invalid '
    'transition or "holder": {"id", "username", "name"} for a claimed ticket}'
)
ACTION_ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: CONFLICT}


def action_error(exc: TicketActionError) -> Response:
    body = error_body({exc.field: [str(exc.message)]}, exc.code)
    if isinstance(exc, InvalidTransition):
        body["allowed"] = exc.allowed
    if isinstance(exc, TicketAlreadyClaimed):
        holder = exc.holder
        body["holder"] = {"id": holder.pk, "username": holder.username, "name": str(holder)}
    return Response(body, status=exc.status_code)


class TicketListView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = TicketListSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilter
    pagination_class = ListPagination

    def get_queryset(self):
        return selectors.queue_base(self.request.user)

    @extend_schema(
        summary="The queue",
        responses={
            200: TicketListSerializer(many=True),
            400: ERROR,
            401: ERROR,
            404: error_response("No such page (e.g. page=0 or past the end): errors name `page`."),
        },
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TicketDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = TicketDetailSerializer

    @extend_schema(
        summary="One ticket with its answers, SLA, contacts, resolution and timeline",
        responses={200: TicketDetailSerializer, 401: ERROR, 404: ERROR},
    )
    def get(self, request, pk: int):
        ticket = selectors.ticket_detail(user=request.user, pk=pk)
        return Response(TicketDetailSerializer(ticket).data)


class TicketActionView(GenericAPIView):
    """Validates the body, runs one service on a ticket in scope, answers with the ticket."""

    permission_classes = [IsAuthenticated]
    in_serializer = EmptySerializer

    def get_serializer_class(self):
        return self.in_serializer

    def perform(self, request, ticket, data: dict):
        raise NotImplementedError

    def post(self, request, pk: int):
        ticket = selectors.ticket_for_action(user=request.user, pk=pk)
        serializer = self.in_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = self.perform(request, ticket, serializer.validated_data)
        except TicketActionError as exc:
            return action_error(exc)
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            raise ValidationError(detail) from None
        if isinstance(result, Response):
            return result
        fresh = selectors.ticket_detail(user=request.user, pk=ticket.pk)
        return Response(TicketDetailSerializer(fresh).data)


def action_schema(summary: str, request, responses=None, description: str = ""):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={**(responses or {200: TicketDetailSerializer}), **ACTION_ERRORS},
    )


class TicketClaimView(TicketActionView):
    in_serializer = EmptySerializer

    @action_schema(
        "Claim an unassigned ticket",
        EmptySerializer,
        description="409 with `holder` when someone else holds it.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, ticket, data):
        return assignment.ticket_claim(ticket=ticket, by=request.user)


class TicketAssignView(TicketActionView):
    in_serializer = AssignInSerializer

    @action_schema("Reassign, unassign or move to another team", AssignInSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, ticket, data):
        return assignment.ticket_assign(
            ticket=ticket, by=request.user, assignee=data["assignee"], team=data.get("team")
        )


class TicketContactView(TicketActionView):
    in_serializer = ContactInSerializer

    @action_schema(
        "Log a contact attempt",
        ContactInSerializer,
        responses={
            201: ContactAttemptSerializer,
            200: OpenApiResponse(ContactAttemptSerializer, description="Same idempotency key"),
        },
        description="The first attempt meets the first-contact clock and moves new → "
        "in_progress. More than 3 attempts on a customer in 24 h are recorded but flagged.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, ticket, data):
        key = data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 100:
            raise TicketActionError(_("At most 100 characters."), field="idempotency_key")
        before = ticket.contact_attempts.filter(idempotency_key=key).exists() if key else False
        attempt = contacts.contact_attempt_log(
            ticket=ticket,
            by=request.user,
            channel=data["channel"],
            outcome=data["outcome"],
            note=data.get("note", ""),
            occurred_at=data.get("occurred_at"),
            callback_at=data.get("callback_at"),
            idempotency_key=key,
        )
        code = status.HTTP_200_OK if before else status.HTTP_201_CREATED
        return Response(ContactAttemptSerializer(attempt).data, status=code)


class TicketStatusView(TicketActionView):
    in_serializer = StatusInSerializer

    @action_schema(
        "Change status",
        StatusInSerializer,
        description="409 with `allowed` naming the statuses reachable from here.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, ticket, data):
        return lifecycle.ticket_status_set(ticket=ticket, by=request.user, status=data["status"])


class TicketResolveView(TicketActionView):
    in_serializer = ResolveInSerializer

    @action_schema(
        "Resolve with a code, root cause and optional goodwill",
        ResolveInSerializer,
        description="Needs a contact attempt unless the code needs none (e.g. unreachable).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, ticket, data):
        goodwill = data.get("goodwill")
        return resolving.ticket_resolve(
            ticket=ticket,
            by=request.user,
            code=data["resolution_code"],
            root_cause=data.get("root_cause") or None,
            note=data.get("note", ""),
            goodwill=dict(goodwill) if goodwill else None,
            resolved_at=data.get("resolved_at"),
        )


class TicketReopenView(TicketActionView):
    in_serializer = ReopenInSerializer

    @action_schema("Reopen a resolved or closed ticket", ReopenInSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, ticket, data):
        return lifecycle.ticket_reopen(ticket=ticket, by=request.user, reason=data["reason"])
