"""Pages of leads, deals and the board, pipelines, products and orders."""
