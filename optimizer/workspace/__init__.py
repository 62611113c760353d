"""The corridor workspace: a local web app over the library pipeline (``corridor app``)."""
