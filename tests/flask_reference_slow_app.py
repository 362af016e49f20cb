"""The Flask reference service with one slow route, for the graceful-shutdown test (run under gunicorn)."""

import time

from app import create_app

app = create_app()


@app.get("/slow")
def slow():
    time.sleep(2)
    return {"finished": True}
