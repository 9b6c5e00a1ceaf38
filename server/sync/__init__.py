"""The Yjs sync protocol and live rooms: framing, peers, rooms, group commit. Knows no Starlette."""
