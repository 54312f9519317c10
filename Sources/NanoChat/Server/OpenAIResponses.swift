import Foundation

/// The JSON shapes of OpenAI's API that the /v1 routes answer with.
enum OpenAIResponses {
    static func error(_ e: HTTPError) -> [String: Any] {
        let type: String
        switch e.status {
        case 404: type = "not_found_error"
        case 429: type = "rate_limit_exceeded"
        case 500...: type = e.status == 503 ? "server_busy" : "server_error"
        default: type = "invalid_request_error"
        }
        let param: Any = e.param ?? NSNull()
        let code: Any = e.status == 429 ? "rate_limit_exceeded" : NSNull()
        return ["error": ["message": e.message, "type": type, "param": param, "code": code] as [String: Any]]
    }

    static func models(id: String, created: Int) -> [String: Any] {
        ["object": "list", "data": [["id": id, "object": "model", "created": created, "owned_by": "nanochat"]]]
    }

    static func usage(prompt: Int, completion: Int) -> [String: Any] {
        ["prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion]
    }

    static func id(_ prefix: String) -> String {
        prefix + String((0..<24).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }
}

/// One choice's text and per-token scores, collected while its row streams.
final class ChoiceText {
    var text = ""
    var tokens: [GenerationRow.Piece] = []
}

extension ChatServer {
    /// The text of one token for logprobs (bytes that are not whole characters become U+FFFD, as OpenAI).
    func tokenText(_ t: Int32) -> (String, [Int]) {
        let bytes = tokenizer.decodeBytes([t])
        return (String(decoding: bytes, as: UTF8.self), bytes.map(Int.init))
    }

    func chatLogprob(_ p: GenerationRow.Piece) -> [String: Any] {
        let (text, bytes) = tokenText(p.token ?? 0)
        return ["token": text, "logprob": Double(p.logprob ?? 0), "bytes": bytes,
                "top_logprobs": p.top.map { alt -> [String: Any] in
                    let (t, b) = tokenText(alt.token)
                    return ["token": t, "logprob": Double(alt.logprob), "bytes": b]
                }]
    }

    func sseHead(_ out: Responder) {
        out.write(HTTPParser.head(200, contentType: "text/event-stream", contentLength: nil, keepAlive: false, extra: ["Cache-Control: no-cache"]))
    }

    /// The end of an SSE answer: the final events (or the error), `data: [DONE]`, and the connection closes.
    func endStream(_ out: Responder, error: Error?, final: () -> Void) {
        if let error { out.write(JSON.event(OpenAIResponses.error(HTTPError(500, "\(error)")))) } else { final() }
        out.write(Array("data: [DONE]\n\n".utf8))
        out.finish(keepAlive: false)
    }

    func failed(_ out: Responder, _ error: Error, keepAlive: Bool) {
        out.respondJSON(500, OpenAIResponses.error(HTTPError(500, "\(error)")), keepAlive: keepAlive)
    }

    func openAIChat(_ request: HTTPRequest, _ out: Responder) throws {
        let chat = try OpenAIChatRequest(json: request.body, defaultTemperature: options.temperature, defaultTopK: options.topK)
        let (prompt, budget) = try ChatRequest.prompt(messages: chat.messages, tokenizer: tokenizer, context: context,
                                                      maxTokens: chat.maxTokens ?? options.maxTokens)
        let o = chat.options, id = OpenAIResponses.id("chatcmpl-"), created = Int(Date().timeIntervalSince1970), model = options.modelID
        let keep = request.keepAlive
        let choices = (0..<o.n).map { _ in ChoiceText() }
        func chunk(_ index: Int, delta: [String: Any], logprobs: Any = NSNull(), finish: Any = NSNull()) -> [UInt8] {
            JSON.event(["id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                        "choices": [["index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish]]])
        }
        if o.stream { sseHead(out); for i in 0..<o.n { out.write(chunk(i, delta: ["role": "assistant", "content": ""])) } }
        let base = seed(o.seed)
        let rows = (0..<o.n).map { i -> GenerationRow in
            var r = GenerationRow.Request(prompt: prompt, maxTokens: budget, sampling: o.sampling, seed: base &+ UInt64(i))
            r.stop = o.stop; r.logprobs = chat.logprobs
            return GenerationRow(r) { [self] piece in
                if o.stream {
                    guard !piece.text.isEmpty || (chat.logprobs != nil && piece.token != nil) else { return true }
                    let lp: Any = chat.logprobs != nil && piece.token != nil ? ["content": [chatLogprob(piece)]] : NSNull()
                    return out.write(chunk(i, delta: ["content": piece.text], logprobs: lp))
                }
                choices[i].text += piece.text
                if piece.token != nil { choices[i].tokens.append(piece) }
                return !out.isClosed
            }
        }
        try submit(rows, out, status: 429) { [self] error in
            let completion = rows.reduce(0) { $0 + $1.generated.count }
            if o.stream {
                endStream(out, error: error) {
                    for (i, row) in rows.enumerated() { out.write(chunk(i, delta: [:], finish: row.finish?.rawValue ?? "stop")) }
                    if o.includeUsage {
                        out.write(JSON.event(["id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [],
                                              "usage": OpenAIResponses.usage(prompt: prompt.count, completion: completion)]))
                    }
                }
            } else if let error {
                failed(out, error, keepAlive: keep)
            } else {
                let list = rows.enumerated().map { i, row -> [String: Any] in
                    ["index": i, "message": ["role": "assistant", "content": choices[i].text],
                     "logprobs": chat.logprobs == nil ? NSNull() : ["content": choices[i].tokens.map(chatLogprob)],
                     "finish_reason": row.finish?.rawValue ?? "stop"]
                }
                out.respondJSON(200, ["id": id, "object": "chat.completion", "created": created, "model": model, "choices": list,
                                      "usage": OpenAIResponses.usage(prompt: prompt.count, completion: completion)], keepAlive: keep)
            }
            if error == nil { countCompletion() }
        }
    }

    /// OpenAI's legacy logprobs object: tokens, token_logprobs, top_logprobs ({text: logprob}), text_offset.
    func completionLogprobs(_ entries: [(token: Int32, logprob: Float?, top: [(token: Int32, logprob: Float)])], startOffset: Int) -> [String: Any] {
        var tokens: [String] = [], lps: [Any] = [], tops: [Any] = [], offsets: [Int] = [], offset = startOffset
        for e in entries {
            let (t, _) = tokenText(e.token)
            tokens.append(t); offsets.append(offset); offset += t.utf8.count
            lps.append(e.logprob.map { Double($0) } ?? NSNull())
            if e.logprob == nil { tops.append(NSNull()) }
            else {
                var d: [String: Double] = [:]
                for alt in e.top { d[tokenText(alt.token).0] = Double(alt.logprob) }
                tops.append(d)
            }
        }
        return ["tokens": tokens, "token_logprobs": lps, "top_logprobs": tops, "text_offset": offsets]
    }

    func openAICompletion(_ request: HTTPRequest, _ out: Responder) throws {
        let req = try OpenAICompletionRequest(json: request.body, tokenizer: tokenizer, defaultTemperature: options.temperature, defaultTopK: options.topK)
        let o = req.options, id = OpenAIResponses.id("cmpl-"), created = Int(Date().timeIntervalSince1970), model = options.modelID
        let keep = request.keepAlive
        let limit = 10 * context
        for p in req.prompts where p.count + req.maxTokens > limit {
            throw HTTPError(400, "a prompt of \(p.count) tokens plus max_tokens \(req.maxTokens) exceeds the model's \(limit) positions", param: "prompt")
        }
        let count = req.prompts.count * o.n
        let choices = (0..<count).map { _ in ChoiceText() }
        func chunk(_ index: Int, text: String, logprobs: Any = NSNull(), finish: Any = NSNull()) -> [UInt8] {
            JSON.event(["id": id, "object": "text_completion", "created": created, "model": model,
                        "choices": [["index": index, "text": text, "logprobs": logprobs, "finish_reason": finish]]])
        }
        if o.stream { sseHead(out) }
        let base = seed(o.seed)
        let scoring = req.echo && req.logprobs != nil
        let rows = (0..<count).map { i -> GenerationRow in
            var r = GenerationRow.Request(prompt: req.prompts[i / o.n], maxTokens: req.maxTokens, sampling: o.sampling, seed: base &+ UInt64(i))
            r.stop = o.stop; r.logprobs = req.logprobs; r.promptLogprobs = scoring
            return GenerationRow(r) { [self] piece in
                if o.stream {
                    guard !piece.text.isEmpty else { return true }
                    let lp: Any = req.logprobs != nil && piece.token != nil
                        ? completionLogprobs([(piece.token!, piece.logprob, piece.top)], startOffset: 0) : NSNull()
                    return out.write(chunk(i, text: piece.text, logprobs: lp))
                }
                choices[i].text += piece.text
                if piece.token != nil { choices[i].tokens.append(piece) }
                return !out.isClosed
            }
        }
        if o.stream && req.echo {   // the prompt first, as OpenAI streams it
            for (i, row) in rows.enumerated() { out.write(chunk(i, text: tokenizer.decode(Array(row.request.prompt.drop { $0 == tokenizer.bosId })))) }
        }
        try submit(rows, out, status: 429) { [self] error in
            let promptTokens = req.prompts.reduce(0) { $0 + $1.count }, completion = rows.reduce(0) { $0 + $1.generated.count }
            if o.stream {
                endStream(out, error: error) {
                    for (i, row) in rows.enumerated() { out.write(chunk(i, text: "", finish: row.finish?.rawValue ?? "stop")) }
                }
            } else if let error {
                failed(out, error, keepAlive: keep)
            } else {
                let list = rows.enumerated().map { i, row -> [String: Any] in
                    // echo: the prompt's text (without the <|bos|> we added) before the completion
                    let prompt = row.request.prompt
                    let echoed = req.echo ? tokenizer.decode(Array(prompt.drop { $0 == tokenizer.bosId })) : ""
                    var logprobs: Any = NSNull()
                    if req.logprobs != nil {
                        var entries = choices[i].tokens.map { ($0.token!, $0.logprob, $0.top) }
                        if scoring { entries = Array(row.promptScores.drop { $0.token == tokenizer.bosId && $0.logprob == nil }) + entries }
                        logprobs = completionLogprobs(entries, startOffset: 0)
                    }
                    return ["index": i, "text": echoed + choices[i].text, "logprobs": logprobs, "finish_reason": row.finish?.rawValue ?? "stop"]
                }
                out.respondJSON(200, ["id": id, "object": "text_completion", "created": created, "model": model, "choices": list,
                                      "usage": OpenAIResponses.usage(prompt: promptTokens, completion: completion)], keepAlive: keep)
            }
            if error == nil { countCompletion() }
        }
    }
}
