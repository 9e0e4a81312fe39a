"""Analytics services: every computation that writes stored results (summaries, RFM, ABC, CLV, KPIs)."""
