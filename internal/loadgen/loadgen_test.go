package loadgen

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
)

func TestRunCountsEveryRequestAndWrongAnswers(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.URL.Query().Get("i") == "7" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Config{
		Requests:    200,
		Concurrency: 8,
		NewRequest: func(ctx context.Context, i int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"?i="+strconv.Itoa(i), nil)
		},
		Check: func(i int, resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusOK || string(body) != "ok" {
				return errors.New(resp.Status)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || served.Load() != 200 {
		t.Fatalf("requests = %d, served = %d, want 200", res.Requests, served.Load())
	}
	if res.Wrong != 1 || len(res.FirstWrong) != 1 {
		t.Errorf("wrong = %d (%v), want exactly request 7", res.Wrong, res.FirstWrong)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Errorf("percentiles out of order: %v", res)
	}
}

func TestRunRejectsEmptyConfig(t *testing.T) {
	if _, err := Run(context.Background(), Config{}); err == nil {
		t.Fatal("want an error for a config without requests")
	}
}
