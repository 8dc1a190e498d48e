from django.conf import settings
from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created = models.DateTimeField(auto_now_add=True)

    # Present only while the AddField migration (shop/migrations_addfield/0002) is selected.
    if settings.SHOP_ADDFIELD:
        note = models.CharField(max_length=200, null=True, blank=True)
