/** A WebSocket stand-in the tests drive by hand: open, deliver messages, drop the line. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = []
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3

  readonly url: string
  readyState = FakeWebSocket.CONNECTING
  sent: string[] = []
  onopen: ((event: Event) => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  onclose: ((event: CloseEvent) => void) | null = null
  onerror: ((event: Event) => void) | null = null

  constructor(url: string) {
    this.url = url
    FakeWebSocket.instances.push(this)
  }

  static reset(): void {
    FakeWebSocket.instances = []
  }

  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1)
    if (!socket) throw new Error("No FakeWebSocket was created")
    return socket
  }

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error("send() before OPEN")
    this.sent.push(data)
  }

  close(): void {
    this.readyState = FakeWebSocket.CLOSED
  }

  open(): void {
    this.readyState = FakeWebSocket.OPEN
    this.onopen?.(new Event("open"))
  }

  receive(data: unknown): void {
    const text = typeof data === "string" ? data : JSON.stringify(data)
    this.onmessage?.(new MessageEvent("message", { data: text }))
  }

  /** The server or the network drops the connection. */
  drop(code = 1006): void {
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.(new CloseEvent("close", { code }))
  }
}

export const FakeWebSocketImpl = FakeWebSocket as unknown as typeof WebSocket
