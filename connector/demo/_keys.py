"""The demo key pair: public by design, it only ever unlocks the loopback demo exchange."""

DEMO_API_KEY = "starlight-demo-key-0000000000000000000000000000000000000000000000"
DEMO_API_SECRET = "starlight-demo-secret-000000000000000000000000000000000000000000000"
