// The end of both VM editors (VmEditor for library entries, VmxEditor for .vmx files): what
// is wrong with the draft, then Cancel and Save.
import { useVmStore } from '../../store/vmStore';

export function EditorFooter({ problems, onSave }: { problems: readonly string[]; onSave: () => void }) {
  return (
    <>
      {problems.length > 0 && (
        <ul className="problems" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div className="editor-actions">
        <button onClick={() => useVmStore.getState().setScreen({ name: 'library' })}>Cancel</button>
        <button className="primary" onClick={onSave}>
          Save
        </button>
      </div>
    </>
  );
}
