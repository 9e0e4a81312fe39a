"""Every write to sales records; see pipelines, leads, deals, orders modules."""

from rapport.sales.services.deals import (  # noqa: F401
    deal_create,
    deal_lines_set,
    deal_move_to_stage,
    deal_update,
)
from rapport.sales.services.leads import (  # noqa: F401
    lead_attach_to_deal,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_qualify,
    lead_update,
)
from rapport.sales.services.orders import (  # noqa: F401
    order_create,
    order_restore,
    order_trash,
    order_update_status,
    product_create,
    product_update,
)
from rapport.sales.services.pipelines import pipeline_create, pipeline_default  # noqa: F401
