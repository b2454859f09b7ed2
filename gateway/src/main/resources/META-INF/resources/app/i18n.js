// UI strings in Korean and English. t(key, values) fills {name} placeholders.

const STRINGS = {
  ko: {
    title: 'VARCO-VISION 채팅',
    conversations: '대화 목록',
    newChat: '새 대화',
    deleteChat: '대화 삭제',
    untitled: '새 대화',
    messages: '메시지',
    inputLabel: '메시지 입력',
    placeholder: '질문을 입력하세요 (Enter 보내기, Shift+Enter 줄바꿈). 이미지는 붙여넣거나 첨부하세요.',
    attach: '이미지 첨부',
    removeImage: '이미지 제거',
    send: '보내기',
    stop: '중지',
    tasks: '작업',
    task_chat: '채팅',
    task_ocr: 'OCR',
    task_grounding: '그라운딩',
    task_referring: '영역 지정',
    referringHint: '미리보기 이미지에서 드래그해 영역을 지정하세요.',
    referringBox: '지정한 영역: {box} (픽셀)',
    needImage: '이 작업에는 이미지가 필요합니다.',
    needBox: '영역 지정 작업은 이미지 위에 영역을 드래그해야 합니다.',
    imageType: 'PNG 또는 JPEG 이미지만 보낼 수 있습니다.',
    settings: '설정',
    apiKey: 'API 키',
    apiKeyHint: '게이트웨이에 키가 설정된 경우에만 필요합니다. 이 브라우저에만 저장됩니다.',
    maxTokens: '최대 토큰 수',
    temperature: '온도',
    language: 'English',
    languageLabel: 'Switch to English',
    you: '나',
    assistant: 'VARCO',
    streaming: '생성 중…',
    stopped: '중지됨',
    error: '오류',
    errorAuth: 'API 키가 필요하거나 올바르지 않습니다. 설정에서 키를 입력하세요.',
    resultImageAlt: '작업 결과 상자가 그려진 이미지',
    previewAlt: '첨부한 이미지 미리보기',
    userImageAlt: '보낸 이미지',
    imageNotKept: '(이미지는 저장되지 않았습니다)',
    resultSummary: '{type}: 구문 {phrases}개, OCR 줄 {lines}개, 건너뜀 {skipped}개',
    empty: '이미지를 첨부하고 질문해 보세요. 예: "이 그림에 무엇이 있나요?"',
    model: '모델: {name}',
  },
  en: {
    title: 'VARCO-VISION chat',
    conversations: 'Conversations',
    newChat: 'New chat',
    deleteChat: 'Delete conversation',
    untitled: 'New chat',
    messages: 'Messages',
    inputLabel: 'Message',
    placeholder: 'Ask something (Enter sends, Shift+Enter new line). Paste or attach an image.',
    attach: 'Attach image',
    removeImage: 'Remove image',
    send: 'Send',
    stop: 'Stop',
    tasks: 'Task',
    task_chat: 'Chat',
    task_ocr: 'OCR',
    task_grounding: 'Grounding',
    task_referring: 'Referring',
    referringHint: 'Drag on the preview image to mark a region.',
    referringBox: 'Region: {box} (pixels)',
    needImage: 'This task needs an image.',
    needBox: 'Referring needs a region: drag a box on the image.',
    imageType: 'Only PNG or JPEG images can be sent.',
    settings: 'Settings',
    apiKey: 'API key',
    apiKeyHint: 'Only needed when the gateway has keys configured. Stored in this browser only.',
    maxTokens: 'Max tokens',
    temperature: 'Temperature',
    language: '한국어',
    languageLabel: '한국어로 전환',
    you: 'You',
    assistant: 'VARCO',
    streaming: 'Generating…',
    stopped: 'Stopped',
    error: 'Error',
    errorAuth: 'An API key is needed or the key is wrong. Enter it in Settings.',
    resultImageAlt: 'Image with the task result boxes drawn over it',
    previewAlt: 'Preview of the attached image',
    userImageAlt: 'Image sent',
    imageNotKept: '(image not kept)',
    resultSummary: '{type}: {phrases} phrases, {lines} OCR lines, {skipped} skipped',
    empty: 'Attach an image and ask a question, e.g. "What is in this picture?"',
    model: 'Model: {name}',
  },
};

export const LANGUAGES = Object.keys(STRINGS);

export function translator(lang) {
  const table = STRINGS[lang] || STRINGS.en;
  return (key, values) => {
    let text = table[key] !== undefined ? table[key] : (STRINGS.en[key] !== undefined ? STRINGS.en[key] : key);
    if (values) for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
}

export function defaultLanguage() {
  return (navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en';
}
