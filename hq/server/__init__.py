"""HQ's processes: the app factory that wires the API and the dashboard
(:mod:`.app`, :mod:`.main` for uvicorn), how ``hymio hq serve`` runs uvicorn against slow
and hostile clients (:mod:`.serving`), and the worker that evaluates alerts and sends
reports (:mod:`.worker`).

The top of HQ with the commands: it may import every room; none imports it but
:mod:`hq.cli`.
"""
