import NanoChat

// chat_web: a ChatGPT-like page and a streaming completion API for a chat model, served on 127.0.0.1
// (nanochat's scripts/chat_web.py): flags → ChatWeb (Sources/NanoChat/Server/ChatWeb.swift). Open http://127.0.0.1:8000/.
BLASKernel.selectForThisCPU()  // before anything else: it may re-execute this process
ChatWebOptions.runTool { options, _ in try ChatWeb.run(options) }
