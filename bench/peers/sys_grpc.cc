/*
 * sys_grpc.cc - peer-bench: gRPC C++ synchronous unary calls over a unix:
 * socket (layer: bench; the one C++ file, the library stays C).
 *
 * Service Bench.Call(Blob) -> Blob (peerbench.proto), Blob being one
 * bytes field: the raw payload, or the JSON envelope written with jansson
 * as for the other peers.  The server is gRPC's synchronous server (its
 * own thread pool); a client is one channel and stub, a fresh
 * ClientContext per call (as gRPC requires), a 30 s deadline.
 */
#include <chrono>
#include <memory>
#include <string>

#include <err.h>

#include <grpcpp/grpcpp.h>

#include "peerbench.grpc.pb.h"
#include "system.h"

namespace {

constexpr int kMaxMessage = 64 << 20;

class BenchService final : public peerbench::Bench::Service {
public:
	explicit BenchService(bench_case kase) : kase_(kase) {}

	grpc::Status Call(grpc::ServerContext *, const peerbench::Blob *req,
	    peerbench::Blob *resp) override
	{
		struct peer_reply r;

		if (peer_handle(kase_, req->data().data(), req->data().size(),
		    &r) < 0)
			return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
			    "bad request");
		resp->set_data(r.data, r.len);
		peer_reply_done(&r);
		return grpc::Status::OK;
	}

private:
	bench_case kase_;
};

struct GrpcServer {
	std::unique_ptr<BenchService> service;
	std::unique_ptr<grpc::Server> server;
};

struct GrpcClient {
	std::unique_ptr<peerbench::Bench::Stub> stub;
	peerbench::Blob req, resp;
};

int srv_open(void **out, const char *addr, const struct bench_params *p)
{
	auto *s = new GrpcServer;
	grpc::ServerBuilder b;

	s->service.reset(new BenchService(p->kase));
	b.AddListeningPort(std::string("unix:") + addr,
	    grpc::InsecureServerCredentials());
	b.SetMaxReceiveMessageSize(kMaxMessage);
	b.SetMaxSendMessageSize(kMaxMessage);
	b.RegisterService(s->service.get());
	s->server = b.BuildAndStart();
	if (!s->server) {
		warnx("grpc server: cannot listen on unix:%s", addr);
		delete s;
		return -1;
	}
	*out = s;
	return 0;
}

int srv_serve(void *srv)
{
	static_cast<GrpcServer *>(srv)->server->Wait();
	return 0;
}

void srv_stop(void *srv)
{
	static_cast<GrpcServer *>(srv)->server->Shutdown(
	    std::chrono::system_clock::now() + std::chrono::seconds(1));
}

/* Not deleted: ~Server() runs grpc_shutdown(), which (gRPC 1.51) can wait
 * ~10 s for an executor thread to leave its epoll_wait.  The harness
 * _exit()s the process right after this and removes the socket path. */
void srv_close(void *srv)
{
	(void)srv;
}

int cli_open(void **out, const char *addr, const struct bench_params *)
{
	auto *c = new GrpcClient;
	grpc::ChannelArguments args;

	args.SetMaxReceiveMessageSize(kMaxMessage);
	args.SetMaxSendMessageSize(kMaxMessage);
	auto ch = grpc::CreateCustomChannel(std::string("unix:") + addr,
	    grpc::InsecureChannelCredentials(), args);
	if (!ch->WaitForConnected(std::chrono::system_clock::now() +
	    std::chrono::seconds(5))) {
		warnx("grpc client: cannot connect to unix:%s", addr);
		delete c;
		return -1;
	}
	c->stub = peerbench::Bench::NewStub(ch);
	*out = c;
	return 0;
}

int cli_roundtrip(void *cli, const void *req, size_t len, const void **reply,
    size_t *reply_len)
{
	auto *c = static_cast<GrpcClient *>(cli);
	grpc::ClientContext ctx;

	ctx.set_deadline(std::chrono::system_clock::now() +
	    std::chrono::seconds(30));
	c->req.set_data(req, len);
	grpc::Status st = c->stub->Call(&ctx, c->req, &c->resp);
	if (!st.ok()) {
		warnx("grpc call: %s", st.error_message().c_str());
		return -1;
	}
	*reply = c->resp.data().data();
	*reply_len = c->resp.data().size();
	return 0;
}

/* Not deleted, for the same reason as the server (the process exits). */
void cli_close(void *cli)
{
	(void)cli;
}

} // namespace

const struct bench_system grpc_system = {
	"grpc",
	"unix",
	"gRPC sync unary, unix:",
	nullptr,
	CASES_JSON | CASE_BIT(CASE_RAW),
	srv_open,
	srv_serve,
	srv_stop,
	srv_close,
	cli_open,
	cli_roundtrip,
	nullptr,
	cli_close,
};
