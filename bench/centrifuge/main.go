// Command centrifuge is the comparison server for `fitcast bench -target
// centrifuge`: a minimal server on github.com/centrifugal/centrifuge (the
// engine behind Centrifugo) with its default settings, one channel
// ("sports") that anonymous clients subscribe to over the JSON WebSocket
// protocol, and an HTTP handler that publishes each request's body to it,
// as fitcast publishes a score event posted over HTTP. It is a module of
// its own so that fitcast's binary does not depend on it.
package main

import (
	"context"
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/centrifugal/centrifuge"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18800", "address to serve on")
	flag.Parse()
	node, err := centrifuge.New(centrifuge.Config{})
	if err != nil {
		log.Fatal(err)
	}
	// Everyone may connect, anonymously, and follow the one channel.
	node.OnConnecting(func(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{}}, nil
	})
	node.OnConnect(func(client *centrifuge.Client) {
		client.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			if e.Channel != "sports" {
				cb(centrifuge.SubscribeReply{}, centrifuge.ErrorPermissionDenied)
				return
			}
			cb(centrifuge.SubscribeReply{}, nil)
		})
	})
	if err := node.Run(); err != nil {
		log.Fatal(err)
	}
	http.Handle("/connection/websocket", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{
		CheckOrigin: func(*http.Request) bool { return true }, // the load tool sends no Origin
	}))
	http.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := node.Publish("sports", body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	log.Printf("serving on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
