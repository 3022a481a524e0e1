"""Template tags of ``vagvisare.django`` (``{% load vagvisare %}``)."""
