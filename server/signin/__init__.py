"""Who is calling: bearer tokens and session cookies; sign-in through OpenID Connect and the demo picker."""
