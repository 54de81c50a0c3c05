"""Airflow's FAB auth manager, with the approval task's assigned users matched by user name.

The approval task (``giamngheo_approval.ReportApprovalOperator``) names its approvers by their Airflow
user names (``GIAMNGHEO_APPROVERS``, ``phe_duyet`` grants): a worker cannot know the ids the FAB auth
manager gives its users (``1``, ``2``, …), and Airflow compares a responder's id with the assigned
users'. This manager also accepts the responder's user name, so that under FAB (``make airflow``,
docker-compose.yml) the approvers may answer and others still get 403. Nothing else
changes. Set ``AIRFLOW__CORE__AUTH_MANAGER=giamngheo_auth.FabAuthManagerByName``.
"""

from __future__ import annotations

from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager


class FabAuthManagerByName(FabAuthManager):
    def is_authorized_hitl_task(self, *, assigned_users: set[str], user) -> bool:
        return user.get_name() in assigned_users or super().is_authorized_hitl_task(
            assigned_users=assigned_users, user=user
        )
