"""A route list grown after its literal: append, extend and += all add routes the app serves."""

from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser, requires
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

SESSIONS = {}


class CookieBackend(AuthenticationBackend):
    async def authenticate(self, conn):
        user = SESSIONS.get(conn.cookies.get("sid", ""))
        return (AuthCredentials(["authenticated"]), SimpleUser(user)) if user else None  # anonymous visitors get through


async def list_posts(request):
    return JSONResponse({"posts": []})


@requires("authenticated")
async def create_post(request):
    return JSONResponse(await request.json(), status_code=201)


async def list_tags(request):
    return JSONResponse({"tags": []})


async def rss(request):
    return JSONResponse({"feed": []})


@requires("authenticated")
async def drafts(request):
    return JSONResponse({"drafts": []})


blog_routes = [
    Route("/posts", list_posts),  # route: GET /blog/posts anonymous
]
blog_routes.append(Route("/posts", create_post, methods=["POST"]))  # route: POST /blog/posts authenticated
blog_routes.extend([Route("/tags", list_tags)])  # route: GET /blog/tags anonymous
blog_routes += [Route("/rss", rss), Route("/drafts", drafts)]  # route: GET /blog/rss anonymous, GET /blog/drafts authenticated

app = Starlette(
    routes=[Mount("/blog", routes=blog_routes)],
    middleware=[Middleware(AuthenticationMiddleware, backend=CookieBackend())],
)
