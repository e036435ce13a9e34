from celery import shared_task

from notifications import services


@shared_task(name="notifications.delivery_send", ignore_result=True)
def delivery_send(delivery_id: int) -> None:
    services.delivery_send(delivery_id)


@shared_task(name="notifications.deliveries_send", ignore_result=True)
def deliveries_send(delivery_ids: list[int]) -> None:
    """A batch's deliveries handed over in one message; each is sent under its row lock."""
    for delivery_id in delivery_ids:
        services.delivery_send(delivery_id)


@shared_task(name="notifications.deliveries_flush", ignore_result=True)
def deliveries_flush() -> None:
    """Periodic: delivers what the after-commit hand-off missed (broker down, crash)."""
    services.deliveries_flush()
