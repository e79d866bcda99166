"""Hostile inputs: one small test per threat, each asserting the exact outcome.

Every hostile file is built in ``tmp_path`` at test time; nothing binary is
committed. See ``_hostile.py`` for the helpers (driving the real CLI, a
canary HTTP server, FIFO canaries, memory measurement).
"""
