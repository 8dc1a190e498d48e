"""Create N schema tenants t001..tNNN (each runs django-tenants' own migrate_schemas for its schema)."""
from django.core.management.base import BaseCommand

from customers.models import Client, Domain


class Command(BaseCommand):
    help = "Create N schema tenants for the migrate_schemas benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--tenants", type=int, default=50)

    def handle(self, *args, tenants, **options):
        if not Client.objects.filter(schema_name="public").exists():
            public = Client(schema_name="public", name="public")
            public.save(verbosity=0)
            Domain.objects.create(domain="localhost", tenant=public, is_primary=True)
        for i in range(1, tenants + 1):
            schema = "t%03d" % i
            tenant = Client(schema_name=schema, name=schema)
            tenant.save(verbosity=0)
            Domain.objects.create(domain="%s.localhost" % schema, tenant=tenant, is_primary=True)
        self.stdout.write("created %d tenants" % tenants)
