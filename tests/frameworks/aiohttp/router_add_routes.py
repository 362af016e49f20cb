"""A RouteTableDef registered through the router, `app.router.add_routes(routes)` (the same
as `app.add_routes(routes)`), serves its routes."""

from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/orders")  # route: GET /orders anonymous
async def list_orders(request: web.Request) -> web.Response:
    return web.json_response({"orders": []})


@routes.post("/orders")  # route: POST /orders anonymous
async def create_order(request: web.Request) -> web.Response:
    return web.json_response(await request.json(), status=201)


app = web.Application()
app.router.add_routes(routes)
