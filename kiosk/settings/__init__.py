"""The kiosk's settings file: its model (``model``, ``base``, ``buttons``), how it is
read (``load``), the survey settings HQ sends (``overlay``) and the generated reference
(``doc``)."""
