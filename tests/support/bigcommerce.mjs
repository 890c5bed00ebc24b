// A local stand-in for BigCommerce's Orders v2 API — the one stand-in of the adapter tests: the
// real API cannot be reached from here. It serves `GET /stores/{store_hash}/v2/orders/{id}/products`
// with the documented answer's shape (tests/fixtures/platforms/bigcommerce-order-products.json),
// checks `X-Auth-Token`, and records every request.
import http from "node:http";

/** `orders`: order id → products (an array) or an HTTP status to answer instead. */
export function startBigCommerce({ storeHash, token, orders }) {
  const requests = [];
  const server = http.createServer((request, response) => {
    requests.push({ url: request.url, headers: request.headers });
    const match = request.url.match(/^\/stores\/([^/]+)\/v2\/orders\/(\d+)\/products$/);
    const answer = (status, body) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };
    if (request.method !== "GET" || !match || match[1] !== storeHash) return answer(404, [{ status: 404, message: "not found" }]);
    if (request.headers["x-auth-token"] !== token) return answer(401, [{ status: 401, message: "unauthorized" }]);
    const order = orders[match[2]];
    if (order === undefined) return answer(404, [{ status: 404, message: "The requested resource was not found." }]);
    if (typeof order === "number") return answer(order, [{ status: order, message: "stand-in failure" }]);
    answer(200, order);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        close: () => new Promise((done) => server.close(done)),
      }),
    ),
  );
}
