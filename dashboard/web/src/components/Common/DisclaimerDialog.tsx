import { useQuery } from "@tanstack/react-query"
import { useState } from "react"
import { Button } from "@/components/ui/button"
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog"
import { handleError } from "@/lib/api"
import { DISCLAIMER_FALLBACK } from "@/lib/disclaimer"
import { disclaimerQuery } from "@/lib/queries"

interface DisclaimerDialogProps {
  open: boolean
  onAcknowledge: () => Promise<unknown>
  onLogout: () => void
}

/** The first-login gate: the app stays behind this dialog until the user acknowledges. */
const DisclaimerDialog = ({ open, onAcknowledge, onLogout }: DisclaimerDialogProps) => {
  const { data } = useQuery(disclaimerQuery())
  const [checked, setChecked] = useState(false)
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const text = data?.trim() ? data : DISCLAIMER_FALLBACK

  const acknowledge = async () => {
    setPending(true)
    setError(null)
    try {
      await onAcknowledge()
    } catch (err) {
      setError(handleError(err))
    } finally {
      setPending(false)
    }
  }

  return (
    <Dialog open={open}>
      <DialogContent
        onEscapeKeyDown={(event) => event.preventDefault()}
        onPointerDownOutside={(event) => event.preventDefault()}
        onInteractOutside={(event) => event.preventDefault()}
      >
        <DialogHeader>
          <DialogTitle>Before you start: education only</DialogTitle>
          <DialogDescription>
            Read and acknowledge this once to use the dashboard.
          </DialogDescription>
        </DialogHeader>
        <p className="rounded-md border border-amber-600/50 bg-amber-950/50 p-4 text-sm leading-relaxed text-amber-100">
          {text}
        </p>
        <label className="flex items-center gap-2 text-sm text-zinc-300">
          <input
            type="checkbox"
            className="size-4 accent-sky-500"
            checked={checked}
            onChange={(event) => setChecked(event.target.checked)}
          />
          I understand: this is paper trading for learning, not a way to trade real money.
        </label>
        {error && <p className="text-sm text-red-400">{error}</p>}
        <DialogFooter>
          <Button variant="ghost" onClick={onLogout}>
            Log out
          </Button>
          <Button disabled={!checked || pending} onClick={acknowledge}>
            I acknowledge
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  )
}

export default DisclaimerDialog
