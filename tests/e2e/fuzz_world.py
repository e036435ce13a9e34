"""What the fuzzer needs in the stack's database: a fallback team with an agent in it, so
both roles can be tried, and a survey so generated answers can be stored and open tickets."""

SEED = """
from django.contrib.auth.models import Group
from accounts.models import User
from surveys.models import Survey
from tickets.models import Team

agent = User.objects.filter(username='e2e-agent').first() or User.objects.create_user(
    'e2e-agent', 'agent@example.com', 'x-e2e-Pass-2'
)
agent.groups.add(Group.objects.get_or_create(name='agent')[0])
team = Team.objects.filter(is_fallback=True).first() or Team.objects.create(
    slug='fuzz', name='Fuzz team', is_fallback=True
)
team.members.add(agent)
Survey.objects.get_or_create(slug='nps-2026', defaults={'name': 'NPS 2026'})
"""
